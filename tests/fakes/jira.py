"""A Jira Cloud REST API on 127.0.0.1, as much of it as War room uses: basic auth
with an e-mail and API token, ``POST /rest/api/3/issue/{key}/comment`` with an
Atlassian Document Format body (201 and the comment), 404 for an issue it does
not have, ``GET /rest/api/3/myself``."""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.fakes.vendors import Answer, FakeServer, Recorded

_COMMENT = re.compile(r"^/rest/api/3/issue/([A-Z][A-Z0-9]+-\d+)/comment$")


class FakeJira(FakeServer):
    name = "jira"

    def __init__(self, *, email: str = "warroom@acme.example", token: str = "jira-api-token-1",
                 issues: tuple[str, ...] = ("OPS-12",), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.email, self.token = email, token
        self.issues = set(issues)
        self.comments: dict[str, list[dict[str, Any]]] = {}

    def _authorised(self, rec: Recorded) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return rec.headers.get("Authorization") == expected

    def answer(self, rec: Recorded) -> Answer:
        if not self._authorised(rec):
            return Answer(401, {"errorMessages": ["Client must be authenticated to access this resource."]})
        if rec.method == "GET" and rec.route == "/rest/api/3/myself":
            return Answer(200, {"emailAddress": self.email, "accountId": "5b10ac8d82e05b22cc7d4ef5"})
        m = _COMMENT.match(rec.route)
        if rec.method != "POST" or m is None:
            return Answer(404, {"errorMessages": ["Not found"]})
        key = m.group(1)
        if key not in self.issues:
            return Answer(404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."]})
        body = rec.json().get("body") if rec.body else None
        if not isinstance(body, dict) or body.get("type") != "doc" or body.get("version") != 1:
            return Answer(400, {"errors": {"comment": "Comment body is not valid Atlassian Document Format."}})
        comment_id = str(10000 + sum(len(v) for v in self.comments.values()))
        self.comments.setdefault(key, []).append(body)
        return Answer(201, {"id": comment_id, "body": body})
