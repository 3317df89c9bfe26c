"""Drives the GitLab emulator with python-gitlab, a client nobody here wrote.

Configuration comes from the environment (never from arguments):
  GITLAB_URL         instance root, e.g. http://127.0.0.1:PORT
  GITLAB_TOKEN       a token with the `api` scope (user alice)
  GITLAB_READ_TOKEN  a token with only `read_api`
  GITLAB_PROJECT     full path of an empty project, e.g. group/sub/proj
  GITLAB_PROJECT_ID  its numeric id
  GITLAB_MEMBER      username of a project member who can be assigned

Exits 0 when every expectation holds, 1 with a message on the first mismatch.
"""

import datetime
import os
import sys
import traceback
import warnings

import gitlab
from gitlab.exceptions import (
    GitlabAuthenticationError,
    GitlabCreateError,
    GitlabGetError,
    GitlabHttpError,
)


class Mismatch(Exception):
    pass


def expect(actual, wanted, what):
    if actual != wanted:
        raise Mismatch(f"{what}: expected {wanted!r}, got {actual!r}")


def expect_error(cls, status, what, call):
    try:
        call()
    except cls as e:
        expect(e.response_code, status, f"{what} (response_code)")
        return e
    except Exception as e:  # noqa: BLE001 - report the wrong class
        raise Mismatch(f"{what}: expected {cls.__name__}, got {type(e).__name__}: {e}")
    raise Mismatch(f"{what}: expected {cls.__name__} {status}, but the call succeeded")


def main():
    env = os.environ
    url = env["GITLAB_URL"]
    path = env["GITLAB_PROJECT"]
    project_id = int(env["GITLAB_PROJECT_ID"])
    member = env["GITLAB_MEMBER"]

    gl = gitlab.Gitlab(url, private_token=env["GITLAB_TOKEN"], retry_transient_errors=False)
    gl.auth()
    expect(gl.user.username, "alice", "GET /user username")

    bad = gitlab.Gitlab(url, private_token="glpat-not-a-token")
    expect_error(GitlabAuthenticationError, 401, "unknown token", bad.auth)

    project = gl.projects.get(path)
    expect(project.id, project_id, "project id by path")
    expect(project.path_with_namespace, path, "path_with_namespace")
    expect(project.web_url, f"{url}/{path}", "project web_url")
    expect(project.permissions["project_access"]["access_level"], 50, "owner access")
    expect(gl.projects.get(project_id).path_with_namespace, path, "project by id")
    expect_error(GitlabGetError, 404, "unknown project", lambda: gl.projects.get("nobody/nothing"))

    # Labels.
    todo = project.labels.create({"name": "PM::Status::Todo", "color": "#428BCA"})
    expect(todo.color, "#428BCA", "label color")
    expect(todo.text_color, "#FFFFFF", "label text_color")
    named = project.labels.create({"name": "kind::bug", "color": "red", "description": "Bugs"})
    expect(named.color, "#FF0000", "CSS color name stored as hex")
    expect_error(
        GitlabCreateError, 409, "duplicate label",
        lambda: project.labels.create({"name": "PM::Status::Todo", "color": "#000000"}),
    )
    e = expect_error(
        GitlabCreateError, 400, "bad label color",
        lambda: project.labels.create({"name": "x", "color": "nope"}),
    )
    expect(e.error_message, {"color": ["must be a valid color code"]}, "bad color message")
    named.description = "Defects"
    named.save()
    expect(project.labels.get("kind::bug").description, "Defects", "label edit by name")

    # Milestones.
    v1 = project.milestones.create({"title": "v1", "due_date": "2026-12-31", "description": "first"})
    expect((v1.iid, v1.state, v1.due_date), (1, "active", "2026-12-31"), "milestone fields")
    e = expect_error(
        GitlabCreateError, 400, "duplicate milestone",
        lambda: project.milestones.create({"title": "v1"}),
    )
    if "already being used" not in str(e.error_message):
        raise Mismatch(f"duplicate milestone message: {e.error_message!r}")
    v2 = project.milestones.create({"title": "v2"})
    v2.state_event = "close"
    v2.save()
    expect(v2.state, "closed", "milestone closed")
    # The emulator throttles this first milestone list once (429 with
    # Retry-After): python-gitlab waits and tries again.
    active = [m.title for m in project.milestones.list(state="active", get_all=True)]
    expect(active, ["v1"], "active milestones")
    expect([m.id for m in project.milestones.list(title="v2")], [v2.id], "milestone by title")

    # Issues.
    users = gl.users.list(username=member)
    expect(len(users), 1, "user lookup by username")
    bob = users[0]
    expect(gl.users.list(username="nobody-here"), [], "unknown username")
    issue = project.issues.create({
        "title": "Sync the plan",
        "description": "IntelliManage-ID: TASK-1",
        "labels": ["PM::Status::Todo", "kind::bug", "fresh"],
        "assignee_ids": [bob.id],
        "milestone_id": v1.id,
    })
    expect(issue.iid, 1, "first iid")
    expect(issue.state, "opened", "new issue state")
    expect(issue.labels, ["PM::Status::Todo", "fresh", "kind::bug"], "labels (sorted names)")
    expect([a["username"] for a in issue.assignees], [member], "assignees")
    expect(issue.assignee["username"], member, "assignee")
    expect(issue.milestone["id"], v1.id, "milestone on issue")
    expect(issue.author["username"], "alice", "author")
    expect(issue.web_url, f"{url}/{path}/-/issues/1", "issue web_url")
    expect(issue.references["full"], f"{path}#1", "full reference")
    if not issue.created_at.endswith(".000Z"):
        raise Mismatch(f"timestamp format: {issue.created_at!r}")
    fresh = [l for l in project.labels.list(get_all=True) if l.name == "fresh"]
    expect(len(fresh), 1, "label created on the fly")

    e = expect_error(
        GitlabCreateError, 400, "title too long",
        lambda: project.issues.create({"title": "x" * 256}),
    )
    expect(e.error_message, {"title": ["is too long (maximum is 255 characters)"]}, "too long message")
    expect_error(GitlabGetError, 404, "unknown issue", lambda: project.issues.get(999))

    # add/remove labels in one PUT; a scoped label replaces its sibling.
    issue.add_labels = "PM::Status::Done"
    issue.remove_labels = "kind::bug"
    issue.save()
    expect(issue.labels, ["PM::Status::Done", "fresh"], "labels after add/remove")
    before = issue.updated_at
    issue.title = "Sync the plan"  # unchanged
    issue.save()
    expect(issue.updated_at, before, "updated_at unchanged by a no-op")

    issue.state_event = "close"
    issue.save()
    expect(issue.state, "closed", "closed")
    expect(issue.attributes["closed_by"]["username"], "alice", "closed_by")
    issue = project.issues.get(1)
    expect(issue.state, "closed", "closed on re-read")
    issue.assignee_ids = []
    issue.milestone_id = None
    issue.save()
    expect((issue.assignees, issue.milestone), ([], None), "cleared assignees and milestone")
    expect_error(
        GitlabHttpError, 400, "bad state_event",
        lambda: gl.http_put(f"/projects/{project_id}/issues/1", post_data={"state_event": "explode"}),
    )

    # Notes.
    note = issue.notes.create({"body": "Synced from the plan"})
    expect(note.body, "Synced from the plan", "note body")
    note.body = "Edited"
    note.save()
    expect([n.body for n in issue.notes.list(get_all=True)], ["Edited"], "notes list")

    # Pagination over several pages, both ways python-gitlab offers.
    for n in range(2, 27):
        project.issues.create({"title": f"Issue {n}"})
    every = project.issues.list(get_all=True, per_page=10)
    expect(len(every), 26, "get_all over 3 pages")
    expect(every[0].iid, 26, "default order: newest first")
    lazy = project.issues.list(iterator=True, per_page=10, order_by="created_at", sort="asc")
    expect((lazy.total, lazy.total_pages, lazy.per_page), (26, 3, 10), "pagination headers")
    expect([i.iid for i in lazy], list(range(1, 27)), "iterator over every page")
    expect(len(project.issues.list(state="closed", get_all=True)), 1, "closed filter")
    expect(
        [i.iid for i in project.issues.list(labels=["PM::Status::Done"], get_all=True)], [1],
        "label filter",
    )
    after = issue.updated_at
    later = project.issues.list(updated_after=after, get_all=True, order_by="updated_at")
    if 1 not in [i.iid for i in later]:
        raise Mismatch("updated_after is inclusive: the issue updated at that time is missing")
    future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3650)).isoformat()
    expect(project.issues.list(updated_after=future, get_all=True), [], "updated_after in the future")

    # Issue links: #3 is blocked by #2 (stored as #2 blocks #3), each end sees its side.
    blocked = project.issues.get(3)
    blocking = project.issues.get(2)
    source, target = blocked.links.create({
        "target_project_id": project_id,
        "target_issue_iid": 2,
        "link_type": "is_blocked_by",
    })
    expect((source.iid, target.iid), (2, 3), "is_blocked_by stored as the other issue blocking")
    seen = [(l.iid, l.link_type) for l in blocked.links.list(get_all=True)]
    expect(seen, [(2, "is_blocked_by")], "links of the blocked issue")
    seen = [(l.iid, l.link_type) for l in blocking.links.list(get_all=True)]
    expect(seen, [(3, "blocks")], "links of the blocking issue")
    e = expect_error(
        GitlabCreateError, 409, "a second link between the same two issues",
        lambda: blocking.links.create({"target_project_id": path, "target_issue_iid": 3}),
    )
    expect(e.error_message, "Issue(s) already assigned", "duplicate link message")
    expect_error(
        GitlabCreateError, 404, "a link to a missing issue",
        lambda: blocked.links.create({"target_project_id": project_id, "target_issue_iid": 999}),
    )
    related, _ = blocked.links.create({"target_project_id": project_id, "target_issue_iid": 4})
    expect(related.iid, 3, "relates_to keeps the source")
    notes = [n.body for n in blocked.notes.list(get_all=True) if n.system]
    if "marked this issue as blocked by #2" not in notes:
        raise Mismatch(f"system notes of the blocked issue: {notes!r}")
    links = blocked.links.list(get_all=True)
    expect([l.link_type for l in links], ["is_blocked_by", "relates_to"], "oldest link first")
    blocked.links.delete(links[0].issue_link_id)
    links[1].delete()
    expect(blocked.links.list(get_all=True), [], "links removed by their id")
    expect(blocking.links.list(get_all=True), [], "from both ends")

    # A read_api token reads but cannot write.
    ro = gitlab.Gitlab(url, private_token=env["GITLAB_READ_TOKEN"])
    ro_project = ro.projects.get(project_id, lazy=True)
    expect(ro_project.issues.get(1).title, "Sync the plan", "read with read_api")
    expect_error(
        GitlabCreateError, 403, "write with read_api",
        lambda: ro_project.issues.create({"title": "nope"}),
    )


if __name__ == "__main__":
    warnings.simplefilter("error", UserWarning)
    try:
        main()
    except Mismatch as e:
        print(f"python-gitlab cross-check FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    except Exception:  # noqa: BLE001
        print("python-gitlab cross-check FAILED with an exception:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
    print("python-gitlab cross-check passed")
