# Usage: ruby send.rb DSN
# Sends, with Debian's unmodified ruby-sentry-ruby: an ArgumentError from
# charge three times, a ZeroDivisionError from average twice, and a message.
require "sentry-ruby"

Sentry.init do |config|
  config.dsn = ARGV[0]
  config.release = "rb-shop@1.0.0"
  config.environment = "test"
  config.background_worker_threads = 0 # send synchronously
end
Sentry.set_user(id: "rb-user-1")

def charge(amount)
  raise ArgumentError, "bad amount #{amount}"
end

def average(values)
  values.sum / values.size
end

3.times do |i|
  begin
    charge(i)
  rescue ArgumentError => e
    Sentry.capture_exception(e)
  end
end
2.times do
  begin
    average([])
  rescue ZeroDivisionError => e
    Sentry.capture_exception(e)
  end
end
Sentry.capture_message("ruby worker started", level: :info)
