package main

import (
	"strings"
	"testing"
)

// sentryAPIRows are TestSentryAPIShapes' requests, in order: a row may use
// what an earlier one saved. Field names and kinds follow Sentry's API
// reference (docs.sentry.io/api/); a route of Faultline's own (monitors,
// alerts) is driven with the body its openapi.json documents.
//
// Placeholders: {org}, {project}, {projectID}, {email}, {now} from the
// fixture, the rest from save.
func sentryAPIRows() []apiRow {
	org := "/api/0/organizations/{org}"
	proj := "/api/0/projects/{org}/{project}"
	orgSummary := map[string]kind{
		"id": kID, "slug": kString, "name": kString, "dateCreated": kTime, "isEarlyAdopter": kBool,
		"require2FA": kBool, "requireEmailVerification": kBool, "status.id": kString, "status.name": kString,
		"avatar.avatarType": kString, "features": kArray, "links.organizationUrl": kString,
	}
	project := map[string]kind{"id": kID, "slug": kString, "name": kString, "platform": "string|null", "dateCreated": kTime,
		"isMember": kBool, "hasAccess": kBool, "isBookmarked": kBool, "status": kString, "features": kArray, "teams": kArray,
		"team": "object|null"}
	team := map[string]kind{"id": kID, "slug": kString, "name": kString, "dateCreated": kTime, "memberCount": kNumber,
		"isMember": kBool, "hasAccess": kBool, "avatar.avatarType": kString}
	key := map[string]kind{
		"id": kString, "name": kString, "label": kString, "public": kString, "secret": kString,
		"projectId": kNumber, "isActive": kBool, "dateCreated": kTime,
		"dsn.public": kString, "dsn.secret": kString, "dsn.security": kString, "dsn.csp": kString,
		"rateLimit": "object|null",
	}
	issue := map[string]kind{
		"id": kID, "shortId": kString, "title": kString, "culprit": kString, "permalink": kString,
		"level": kString, "status": kString, "statusDetails": kObject, "isPublic": kBool, "platform": kString,
		"project.id": kID, "project.slug": kString, "project.name": kString, "type": kString,
		"metadata": kObject, "numComments": kNumber, "assignedTo": "object|null", "isBookmarked": kBool,
		"hasSeen": kBool, "count": kString, "userCount": kNumber, "firstSeen": kTime, "lastSeen": kTime,
	}
	event := map[string]kind{
		"id": kString, "eventID": kString, "groupID": kID, "title": kString, "message": kString,
		"dateCreated": kTime, "platform": kString, "tags": kArray, "tags.0.key": kString, "tags.0.value": kString,
		"user": "object|null", "user.id": kString, "culprit": kString, "event.type": kString, "location": "string|null",
		"crashFile": "string|null",
	}
	fullEvent := map[string]kind{
		"id": kString, "eventID": kString, "groupID": kID, "title": kString, "dateCreated": kTime,
		"dateReceived": kTime, "entries": kArray, "entries.0.type": kString, "tags": kArray, "contexts": kObject,
		"platform": kString, "type": kString, "metadata": kObject, "user.id": kString, "user.email": kString,
		"sdk": "object|null", "errors": kArray, "fingerprints": kArray,
	}
	// Not yet answered: projects.N.newGroups; and "id" (a number) is null
	// for a release known from events only.
	release := map[string]kind{
		"version": kString, "shortVersion": kString, "ref": "string|null", "url": "string|null",
		"dateCreated": kTime, "dateReleased": "time|null", "newGroups": kNumber, "commitCount": kNumber,
		"deployCount": kNumber, "lastDeploy": "object|null", "authors": kArray, "projects": kArray,
		"projects.0.slug": kString, "projects.0.name": kString,
		"lastEvent": "time|null", "firstEvent": "time|null", "data": kObject,
		"versionInfo.package": "string|null", "versionInfo.version.raw": kString, "versionInfo.description": kString,
		"versionInfo.buildHash": "string|null",
	}
	deploy := map[string]kind{
		"id": kID, "environment": kString, "name": "string|null", "url": "string|null",
		"dateStarted": "time|null", "dateFinished": kTime,
	}
	repo := map[string]kind{
		"id": kID, "name": kString, "url": "string|null", "provider.id": kString, "provider.name": kString,
		"status": kString, "dateCreated": kTime,
	}
	monitor := map[string]kind{"id": kID, "slug": kString, "name": kString, "status": kString, "isMuted": kBool,
		"dateCreated": kTime, "monitorType": kString}
	alert := map[string]kind{"id": kID, "name": kString}
	token := map[string]kind{"id": kID, "name": kString, "scopes": kArray, "dateCreated": kTime, "expiresAt": "time|null"}
	member := map[string]kind{
		"id": kID, "email": kString, "name": kString, "role": kString, "roleName": kString, "orgRole": kString,
		"pending": kBool, "expired": kBool, "inviteStatus": kString, "flags": kObject,
		"dateCreated": kTime, "user.id": kID, "user.email": kString,
	}

	return []apiRow{
		{method: "GET", path: "/api/0/", status: 200, fields: map[string]kind{"user.id": kID, "user.email": kString, "auth.scopes": kArray}},

		// Organizations.
		{method: "GET", path: "/api/0/organizations/", status: 200, list: true, fields: orgSummary},
		{method: "GET", path: org + "/", status: 200, fields: orgSummary},

		// Teams.
		{method: "POST", path: org + "/teams/", body: `{"name":"Table Crew","slug":"table-crew"}`, status: 201, fields: team, save: map[string]string{"team": "slug"}},
		{method: "GET", path: org + "/teams/", status: 200, list: true, fields: team},
		{method: "GET", path: "/api/0/teams/{org}/{team}/", status: 200, fields: team},
		{method: "PUT", path: "/api/0/teams/{org}/{team}/", body: `{"name":"Table Crew Two"}`, status: 200, fields: team, check: func(t *testing.T, doc any) {
			if tm := doc.(map[string]any); tm["name"] != "Table Crew Two" || tm["isMember"] != true {
				t.Errorf("renamed team (its creator a member): %v", tm)
			}
		}},
		{method: "POST", path: "/api/0/teams/{org}/{team}/projects/", body: `{"name":"Table Crew App","platform":"go"}`, status: 201,
			fields: merge(project, map[string]kind{"team.slug": kString, "teams.0.slug": kString}), save: map[string]string{"project3": "slug"},
			check: func(t *testing.T, doc any) {
				if tm := doc.(map[string]any)["team"].(map[string]any); tm["slug"] != "table-crew" {
					t.Errorf("a team's new project belongs to %v", tm)
				}
			}},
		{method: "GET", path: "/api/0/projects/", status: 200, list: true, fields: merge(project, map[string]kind{"organization.slug": kString})},
		{method: "DELETE", path: "/api/0/projects/{org}/{project3}/", status: 204},

		// Projects.
		{method: "GET", path: org + "/projects/", status: 200, list: true, fields: project},
		{method: "POST", path: org + "/projects/", body: `{"name":"Table Service","slug":"table-service","platform":"python"}`, status: 201,
			fields: project, save: map[string]string{"project2": "slug"}},
		{method: "GET", path: "/api/0/projects/{org}/{project2}/", status: 200,
			fields: merge(project, map[string]kind{"organization.id": kID, "organization.slug": kString})},
		{method: "PUT", path: "/api/0/projects/{org}/{project2}/", body: `{"name":"Table Service Two","platform":"node"}`, status: 200, fields: project},
		{method: "PUT", path: "/api/0/projects/{org}/{project2}/", body: `{"resolveAge":72,"subjectPrefix":"[table]","options":{"sentry:scrub_data":false,"unknown:option":1}}`,
			status: 200, fields: merge(project, map[string]kind{"resolveAge": kNumber, "subjectPrefix": kString, "options": kObject,
				"options.sentry:resolve_age": kNumber}), check: func(t *testing.T, doc any) {
				if p := doc.(map[string]any); p["resolveAge"] != 72.0 || p["subjectPrefix"] != "[table]" {
					t.Errorf("project settings: %v", p)
				}
			}},
		{method: "PUT", path: "/api/0/projects/{org}/{project2}/", body: `{"resolveAge":"soon"}`, status: 400},
		{method: "DELETE", path: "/api/0/projects/{org}/{project2}/", status: 204},
		{method: "DELETE", path: "/api/0/teams/{org}/{team}/", status: 204},

		// Client keys.
		{method: "GET", path: proj + "/keys/", status: 200, list: true, fields: key},
		{method: "POST", path: proj + "/keys/", body: `{"name":"Table Key"}`, status: 201, fields: key, save: map[string]string{"key": "id"}},
		{method: "PUT", path: proj + "/keys/{key}/", body: `{"name":"Table Key Renamed","isActive":false}`, status: 200, fields: key},
		{method: "PUT", path: proj + "/keys/{key}/", body: `{"rateLimit":{"window":60,"count":100}}`, status: 200,
			fields: merge(key, map[string]kind{"rateLimit.window": kNumber, "rateLimit.count": kNumber})},
		{method: "PUT", path: proj + "/keys/{key}/", body: `{"rateLimit":{"window":"a minute","count":100}}`, status: 400},
		{method: "DELETE", path: proj + "/keys/{key}/", status: 204},

		// Members.
		{method: "GET", path: org + "/members/", status: 200, list: true, fields: member},
		{method: "GET", path: org + "/users/", status: 200, list: true, fields: merge(member, map[string]kind{"projects": kArray, "user.isActive": kBool})},

		// Issues and their events.
		{method: "GET", path: proj + "/issues/?query=", status: 200, list: true, fields: issue, save: map[string]string{"issue": "id"}},
		{method: "GET", path: org + "/issues/?project={projectID}&query=is:unresolved", status: 200, list: true, fields: issue},
		{method: "GET", path: "/api/0/issues/{issue}/", status: 200, fields: issue, check: func(t *testing.T, doc any) {
			is := doc.(map[string]any)
			if link, _ := is["permalink"].(string); !strings.HasPrefix(link, "http") || !strings.HasSuffix(link, "/issues/"+is["id"].(string)+"/") {
				t.Errorf("permalink %q of issue %v", link, is["id"])
			}
		}},
		{method: "PUT", path: "/api/0/issues/{issue}/", body: `{"status":"resolved"}`, status: 200, fields: issue},
		{method: "PUT", path: "/api/0/issues/{issue}/", body: `{"assignedTo":"{email}"}`, status: 200,
			fields: merge(issue, map[string]kind{"assignedTo.type": kString, "assignedTo.id": kID, "assignedTo.email": kString})},
		{method: "PUT", path: "/api/0/issues/{issue}/", body: `{"isBookmarked":true,"hasSeen":true,"isPublic":true}`, status: 200,
			fields: merge(issue, map[string]kind{"shareId": kString, "seenBy": kArray}), check: func(t *testing.T, doc any) {
				if is := doc.(map[string]any); is["isBookmarked"] != true || is["hasSeen"] != true || is["isPublic"] != true {
					t.Errorf("bookmarked, seen, public: %v %v %v", is["isBookmarked"], is["hasSeen"], is["isPublic"])
				}
			}},
		{method: "GET", path: proj + "/issues/?query=is:bookmarked&groupStatsPeriod=24h", status: 200, list: true,
			fields: merge(issue, map[string]kind{"stats.24h": kArray, "stats.24h.0.0": kNumber, "stats.24h.0.1": kNumber})},
		{method: "GET", path: proj + "/issues/?groupStatsPeriod=1y", status: 400},
		{method: "POST", path: "/api/0/issues/{issue}/comments/", body: `{"text":"table note"}`, status: 201, fields: map[string]kind{"id": kID},
			save: map[string]string{"comment": "id"}},
		{method: "PUT", path: "/api/0/issues/{issue}/comments/{comment}/", body: `{"text":"table note, edited"}`, status: 200, fields: map[string]kind{"id": kID}},
		{method: "GET", path: "/api/0/issues/{issue}/", status: 200, fields: issue, check: func(t *testing.T, doc any) {
			if n := doc.(map[string]any)["numComments"]; n != 1.0 {
				t.Errorf("numComments %v after one comment", n)
			}
		}},
		{method: "DELETE", path: "/api/0/issues/{issue}/comments/{comment}/", status: 204},
		{method: "PUT", path: proj + "/issues/?id={issue}", body: `{"status":"unresolved"}`, status: 200,
			fields: map[string]kind{"status": kString, "statusDetails": kObject}},
		{method: "PUT", path: proj + "/issues/?id={issue}", body: `{"status":"ignored","statusDetails":{"ignoreDuration":30}}`, status: 200,
			fields: map[string]kind{"status": kString, "statusDetails": kObject}},
		{method: "GET", path: "/api/0/issues/{issue}/events/", status: 200, list: true, fields: event},
		{method: "GET", path: "/api/0/issues/{issue}/events/latest/", status: 200, fields: fullEvent, save: map[string]string{"eventID": "eventID"}},
		{method: "GET", path: proj + "/events/{eventID}/", status: 200, fields: fullEvent},
		{method: "GET", path: org + "/eventids/{eventID}/", status: 200, fields: map[string]kind{
			"organizationSlug": kString, "projectSlug": kString, "groupId": kID, "eventId": kString, "event": kObject, "event.eventID": kString,
		}},
		{method: "GET", path: org + "/eventids/not-an-id/", status: 400},
		{method: "GET", path: "/api/0/issues/{issue}/tags/", status: 200, list: true, fields: map[string]kind{
			"key": kString, "name": kString, "totalValues": kNumber, "uniqueValues": kNumber, "topValues": kArray,
			"topValues.0.key": kString, "topValues.0.value": kString, "topValues.0.name": kString,
			"topValues.0.count": kNumber, "topValues.0.firstSeen": kTime, "topValues.0.lastSeen": kTime,
		}, check: func(t *testing.T, doc any) {
			// Both events carry region=eu and level=error: two of one value.
			for _, tag := range doc.([]any) {
				tag := tag.(map[string]any)
				if tag["key"] != "region" {
					continue
				}
				top := tag["topValues"].([]any)[0].(map[string]any)
				if tag["totalValues"] != 2.0 || tag["uniqueValues"] != 1.0 || top["value"] != "eu" || top["count"] != 2.0 ||
					top["firstSeen"].(string) > top["lastSeen"].(string) {
					t.Errorf("region tag: %v", tag)
				}
				return
			}
			t.Errorf("no region tag in %v", doc)
		}},

		// Releases, deploys, commits.
		{method: "POST", path: org + "/releases/", body: `{"version":"table@2.0.0","ref":"6ba09a7c53235ee8a8fa5ee4c1ca8ca886e7fdbb","projects":["{project}"]}`,
			status: 201, fields: release},
		{method: "GET", path: org + "/releases/", status: 200, list: true, fields: release},
		{method: "GET", path: org + "/releases/table@2.0.0/", status: 200, fields: release, check: func(t *testing.T, doc any) {
			info := doc.(map[string]any)["versionInfo"].(map[string]any)
			if info["package"] != "table" || info["version"].(map[string]any)["raw"] != "2.0.0" || info["buildHash"] != nil {
				t.Errorf("versionInfo of table@2.0.0: %v", info)
			}
		}},
		{method: "PUT", path: org + "/releases/table@2.0.0/", body: `{"url":"https://example.com/table/2.0.0","dateReleased":"{now}"}`,
			status: 200, fields: merge(release, map[string]kind{"dateReleased": kTime, "url": kString})},
		{method: "PUT", path: org + "/releases/table@2.0.0/", body: `{"commits":[{"id":"6ba09a7c53235ee8a8fa5ee4c1ca8ca886e7fdbb",` +
			`"message":"table: fix the row","author_name":"Ann Lee","author_email":"ann@example.com","timestamp":"{now}"}]}`,
			status: 200, fields: merge(release, map[string]kind{"commitCount": kNumber})},
		{method: "GET", path: org + "/releases/table@2.0.0/commits/", status: 200, list: true, fields: map[string]kind{
			"id": kString, "message": kString, "dateCreated": kTime, "author.name": kString, "author.email": kString,
		}},
		{method: "POST", path: org + "/releases/table@2.0.0/deploys/", body: `{"environment":"production","name":"table deploy","url":"https://ci.example.com/1"}`,
			status: 201, fields: deploy},
		{method: "GET", path: org + "/releases/table@2.0.0/deploys/", status: 200, list: true, fields: deploy},
		{method: "DELETE", path: org + "/releases/table@2.0.0/", status: 204},

		// Repositories.
		{method: "POST", path: org + "/repos/", body: `{"name":"acme/table","url":"https://git.example.com/acme/table"}`, status: 201, fields: repo},
		{method: "GET", path: org + "/repos/", status: 200, list: true, fields: repo},

		// Monitors (Faultline's uptime shape; cron monitors come from check-ins).
		{method: "POST", path: org + "/monitors/", body: `{"monitorType":"Heartbeat","name":"table backup","interval":3600}`, status: 201,
			fields: monitor, save: map[string]string{"monitor": "id"}},
		{method: "GET", path: org + "/monitors/", status: 200, list: true, fields: monitor},
		{method: "GET", path: org + "/monitors/{monitor}/", status: 200, fields: monitor},
		{method: "PUT", path: org + "/monitors/{monitor}/", body: `{"monitorType":"Heartbeat","name":"table backup nightly","interval":86400}`, status: 200, fields: monitor},
		{method: "DELETE", path: org + "/monitors/{monitor}/", status: 204},

		// Alerts (Faultline's issue alert rules).
		{method: "POST", path: proj + "/alerts/", body: `{"name":"Table alert","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":"{email}"}]}`,
			status: 201, fields: alert, save: map[string]string{"alert": "id"}},
		{method: "GET", path: proj + "/alerts/", status: 200, list: true, fields: alert},
		{method: "PUT", path: proj + "/alerts/{alert}/", body: `{"name":"Table alert, renamed","triggers":["new_issue"],"alertRecipients":[{"recipientType":"email","url":"{email}"}]}`,
			status: 200, fields: alert},
		{method: "DELETE", path: proj + "/alerts/{alert}/", status: 204},

		// Discover, event stats, sessions.
		{method: "GET", path: org + "/events/?dataset=errors&field=title&field=count()&field=count_unique(user)&statsPeriod=24h&project={projectID}&sort=-count()",
			status: 200, fields: map[string]kind{
				"data": kArray, "data.0.title": kString, "data.0.count()": kNumber, "data.0.count_unique(user)": kNumber,
				"meta": kObject, "meta.fields": kObject, "meta.fields.count()": kString,
			}},
		{method: "GET", path: org + "/events-stats/?yAxis=count()&interval=1h&statsPeriod=24h&project={projectID}", status: 200,
			fields: map[string]kind{"data": kArray, "data.0.0": kNumber, "data.0.1": kArray, "data.0.1.0.count": kNumber, "start": kNumber, "end": kNumber}},
		{method: "GET", path: org + "/sessions/?field=sum(session)&statsPeriod=24h&interval=1h&project={projectID}", status: 200,
			fields: map[string]kind{"start": kTime, "end": kTime, "intervals": kArray, "groups": kArray, "query": kString}},

		// API tokens: from a dashboard session only.
		{method: "POST", path: "/api/0/api-tokens/", body: `{"name":"table token","scopes":["org:read","project:read"]}`, session: true, status: 201,
			fields: merge(token, map[string]kind{"token": kString}), save: map[string]string{"token": "id"}},
		{method: "GET", path: "/api/0/api-tokens/", session: true, status: 200, list: true, fields: token},
		{method: "DELETE", path: "/api/0/api-tokens/{token}/", session: true, status: 204},
		{method: "GET", path: "/api/0/api-tokens/", status: 403},

		// Deletion last: it takes the issue away.
		{method: "DELETE", path: "/api/0/issues/{issue}/", status: 202},
		{method: "GET", path: "/api/0/issues/{issue}/", status: 404},
	}
}

// merge returns a copy of base with extra's fields added or replaced.
func merge(base, extra map[string]kind) map[string]kind {
	out := make(map[string]kind, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}
