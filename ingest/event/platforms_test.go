package event

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// Events in the shapes of SDKs this suite cannot run (Java, .NET, PHP,
// Cocoa, Android), written from the SDKs' documented formats.
func TestPlatformEvents(t *testing.T) {
	cases := []struct {
		fixture, title, culprit string
		// variant changes only what must not split the group.
		variant [][2]string
		secrets []string
	}{
		{
			fixture: "java",
			title:   `NullPointerException: Cannot invoke "Cart.total()" because "cart" is null`,
			culprit: "com.example.shop.CartService in total",
			variant: [][2]string{{"lambda$checkout$0", "lambda$checkout$3"}, {`"lineno":88`, `"lineno":91`}},
			secrets: []string{"java-secret-token", "java-secret-key"},
		},
		{
			fixture: "dotnet",
			title:   "System.InvalidOperationException: Sequence contains no elements",
			culprit: "Shop.Web.Services.CartService in <Total>b__3_0",
			variant: [][2]string{{"<Total>b__3_0", "<Total>b__4_1"}},
			secrets: []string{"dotnet-secret"},
		},
		{
			fixture: "php",
			title:   "RuntimeException: Cart 7 not found",
			culprit: `/var/www/app/Http/Controllers/CartController.php in App\Http\Controllers\CartController::show`,
			variant: [][2]string{{"Cart 7 not found", "Cart 8 not found"}},
			secrets: []string{"php-session-secret", "php-secret-token"},
		},
		{
			fixture: "cocoa",
			title:   "EXC_BAD_ACCESS: KERN_INVALID_ADDRESS at 0x0000000000000010",
			culprit: "Shop in -[CartViewController checkout:]",
			variant: [][2]string{{"0B3E5A1C-9F2D-4C1E-8A7B-6D5E4F3A2B1C", "7E2F1A0B-1C2D-3E4F-5A6B-7C8D9E0F1A2B"}, {"0x100a4c8f0", "0x104b5d9a0"}},
		},
		{
			fixture: "android",
			title:   "IllegalStateException: Fragment CartFragment{a1b2c3} not attached to a context.",
			culprit: "com.example.shop.ui.CartFragment in lambda$onViewCreated$2",
			variant: [][2]string{{"lambda$onViewCreated$2", "lambda$onViewCreated$5"}, {"a1b2c3", "d4e5f6"}},
			secrets: []string{"android-secret"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/platforms/" + tc.fixture + ".json")
			if err != nil {
				t.Fatal(err)
			}
			e, err := Parse(raw, Meta{Received: received, ClientIP: "203.0.113.5"})
			if err != nil {
				t.Fatal(err)
			}
			g := Group(e)
			if g.Title != tc.title || g.Culprit != tc.culprit {
				t.Errorf("title, culprit = %q, %q\nwant %q, %q", g.Title, g.Culprit, tc.title, tc.culprit)
			}
			variant := string(raw)
			for _, r := range tc.variant {
				if !strings.Contains(variant, r[0]) {
					t.Fatalf("fixture has no %q", r[0])
				}
				variant = strings.ReplaceAll(variant, r[0], r[1])
			}
			if fingerprint(t, variant) != g.Fingerprint {
				t.Errorf("the variant (%v) groups apart", tc.variant)
			}
			stored, _ := json.Marshal(e)
			for _, secret := range tc.secrets {
				if strings.Contains(string(stored), secret) {
					t.Errorf("stored event holds %q", secret)
				}
			}
		})
	}
}
