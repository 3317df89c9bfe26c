"""Drives `git-intellimanage mcp` with the official MCP Python SDK (PyPI `mcp`, pinned in
requirements.txt): a client nobody here wrote, so the server cannot drift into a dialect only
our own code understands.

Environment (set by tests/it/mcp.rs):
  INTELLIMANAGE_BIN   the git-intellimanage binary under test
  INTELLIMANAGE_REPO  a git repository holding the demo plan (project `demo`, committed)
  GITHUB_API_URL, GITHUB_PAT  a GitHub emulator with the repository acme/demo (for `sync`)
The whole environment is handed to the server (the test makes it hermetic).

Prints `created <path>` for the artifact `new` made, and `mcp check passed` at the end.
"""

import asyncio
import json
import os
import urllib.request

from mcp import Client, StdioServerParameters

BIN = os.environ["INTELLIMANAGE_BIN"]
REPO = os.environ["INTELLIMANAGE_REPO"]
TOOLS = {
    "list", "show", "validate", "diff", "status", "waves", "ready", "progress", "board",
    "release_notes", "new", "set", "archive", "sync",
}


def server(cwd):
    return StdioServerParameters(command=BIN, args=["mcp"], cwd=cwd, env=dict(os.environ))


def text(result):
    return "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")


async def ok(client, tool, arguments):
    """Calls a tool that must succeed; returns its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, f"{tool} {arguments} failed:\n{text(result)}"
    assert isinstance(result.structured_content, dict), f"{tool}: no structured result: {result}"
    # The text block carries the same JSON, for clients that ignore structured content.
    assert json.loads(result.content[0].text) == result.structured_content, tool
    return result.structured_content


async def fails(client, tool, arguments, *expected):
    """Calls a tool that must fail; returns the error text."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, f"{tool} {arguments} should have failed: {result}"
    message = text(result)
    for piece in expected:
        assert piece in message, f"{tool}: {piece!r} not in:\n{message}"
    return message


def github_issues():
    """The emulator's issues, read straight from it (not through the server)."""
    request = urllib.request.Request(
        os.environ["GITHUB_API_URL"].rstrip("/") + "/repos/acme/demo/issues?state=all&per_page=100",
        headers={"Authorization": "Bearer " + os.environ["GITHUB_PAT"], "Accept": "application/vnd.github+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def github_releases():
    request = urllib.request.Request(
        os.environ["GITHUB_API_URL"].rstrip("/") + "/repos/acme/demo/releases?per_page=100",
        headers={"Authorization": "Bearer " + os.environ["GITHUB_PAT"], "Accept": "application/vnd.github+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def ids(items):
    return sorted(item["id"] for item in items)


async def check_tools(client):
    listed = (await client.list_tools()).tools
    by_name = {tool.name: tool for tool in listed}
    assert set(by_name) == TOOLS, f"tools: {sorted(by_name)}"
    for tool in listed:
        schema = tool.input_schema
        assert schema.get("type") == "object", f"{tool.name}: {schema}"
        assert "directory" in schema.get("properties", {}), f"{tool.name}: {schema}"
        assert tool.description, tool.name
    assert set(by_name["show"].input_schema["required"]) == {"id"}
    assert set(by_name["new"].input_schema["required"]) == {"type", "title"}
    assert set(by_name["set"].input_schema["required"]) == {"id", "changes"}
    assert by_name["sync"].input_schema["properties"]["dry_run"]["default"] is True
    assert by_name["list"].annotations.read_only_hint is True
    assert by_name["sync"].annotations.read_only_hint is False
    assert by_name["progress"].annotations.read_only_hint is True
    assert by_name["board"].annotations.read_only_hint is True
    assert by_name["release_notes"].input_schema["properties"]["dry_run"]["default"] is True
    assert "html" not in by_name["board"].input_schema["properties"], "the board tool writes no file"


async def check_reading(client):
    everything = await ok(client, "list", {})
    assert ids(everything["artifacts"]) == ["BUG-001", "EPIC-001", "FEAT-001", "TASK-001", "TASK-002"], everything
    tasks = await ok(client, "list", {"type": ["task"], "tag": ["backend"]})
    assert ids(tasks["artifacts"]) == ["TASK-001"], tasks

    shown = await ok(client, "show", {"id": "task-001"})
    assert shown["title"] == "Validate e-mail", shown
    assert shown["fields"]["tags"] == ["backend", "auth"], shown

    report = await ok(client, "validate", {})
    assert report["errors"] == 0 and report["artifacts"] == 5, report

    status = await ok(client, "status", {})
    demo = [p for p in status["projects"] if p["project"] == "demo"]
    assert demo and demo[0]["added"] == 5 and demo[0]["github_repo"] == "acme/demo", status

    diff = await ok(client, "diff", {"ids": ["TASK-001"]})
    assert [(a["id"], a["change"]) for a in diff["artifacts"]] == [("TASK-001", "added")], diff

    waves = await ok(client, "waves", {"target": ["EPIC-001"]})
    assert ids(waves["waves"][0]["items"]) == ["BUG-001", "TASK-001", "TASK-002"], waves

    ready = await ok(client, "ready", {"target": ["FEAT-001"]})
    assert [item["id"] for item in ready["items"]] == ["TASK-001", "TASK-002"], ready

    progress = await ok(client, "progress", {"target": ["EPIC-001"]})
    assert progress["totals"]["total"] == 3 and progress["totals"]["done"] == 0, progress

    board = await ok(client, "board", {"tag": ["backend"]})
    cards = [card["id"] for column in board["columns"] for card in column["cards"]]
    assert cards == ["TASK-001"], board

    notes = await ok(client, "release_notes", {"target": ["EPIC-001"]})
    assert ids(notes["open"]) == ["BUG-001", "TASK-001", "TASK-002"], notes
    assert notes["release"] is None, notes


async def check_writing(client):
    body = "- [ ] dig MX\n- [ ] --not-an-option\n"
    created = await ok(
        client,
        "new",
        {
            "type": "task",
            "title": "Check the MX record",
            "feature": "FEAT-001",
            "priority": "high",
            "tags": ["backend"],
            "depends_on": ["TASK-001"],
            "body": body,
        },
    )
    assert created["id"] == "TASK-003" and created["parent"] == "FEAT-001", created
    print("created", created["path"])

    changed = await ok(client, "set", {"id": "TASK-003", "changes": ["status=in progress", "tags+=dns"]})
    assert changed["status"] == "🔵 In Progress" and "dns" in changed["tags"], changed
    shown = await ok(client, "show", {"id": "TASK-003", "worktree": True})
    assert shown["status"] == "🔵 In Progress" and shown["body"].strip() == body.strip(), shown
    assert shown["fields"]["depends_on"] == ["TASK-001"], shown

    # Two at once (agents call tools in parallel): each gets its own ID.
    both = await asyncio.gather(
        ok(client, "new", {"type": "bug", "title": "Button overlaps", "feature": "FEAT-001"}),
        ok(client, "new", {"type": "bug", "title": "Error text cut", "feature": "FEAT-001"}),
    )
    assert sorted(b["id"] for b in both) == ["BUG-002", "BUG-003"], both

    archived = await ok(client, "archive", {"id": "TASK-002"})
    assert archived["archived"] is True and "/archive/" in archived["path"], archived
    listed = await ok(client, "list", {"worktree": True})
    assert "TASK-002" not in ids(listed["artifacts"]) and "TASK-003" in ids(listed["artifacts"]), listed


async def check_sync(client):
    # Without `dry_run`, a dry run: every request it would make, none made.
    planned = await ok(client, "sync", {})
    assert planned["dry_run"] is True, planned
    ops = [op for project in planned["projects"] for op in project["ops"]]
    creates = sorted(op["key"] for op in ops if op["op"] == "create_issue")
    assert creates == ["demo/BUG-001", "demo/TASK-001", "demo/TASK-002"], ops
    assert all(op["outcome"] == "planned" for op in ops), ops
    assert github_issues() == [], "a dry run wrote to GitHub"

    # Only when the call says so.
    done = await ok(client, "sync", {"dry_run": False, "project": ["demo"]})
    assert done["dry_run"] is False, done
    titles = sorted(issue["title"] for issue in github_issues())
    assert titles == ["Submit button", "Typo on the form", "Validate e-mail"], titles

    # The links the sync recorded.
    links = await ok(client, "status", {"links": True})
    issues = sorted((row["id"], row["status"], row["tracker"]) for row in links["links"] if row["target"] == "issue")
    assert issues == [(i, "synced", "github") for i in ("BUG-001", "TASK-001", "TASK-002")], links

    # Release notes as a release: a dry run unless the call says so.
    planned = await ok(client, "release_notes", {"target": ["EPIC-001"], "release_tag": "v0.1"})
    assert planned["release"]["dry_run"] is True and planned["release"]["requests"], planned
    assert github_releases() == [], "a dry run published a release"
    published = await ok(client, "release_notes", {"target": ["EPIC-001"], "release_tag": "v0.1", "dry_run": False})
    assert published["release"]["outcome"] == "created", published
    assert [r["tag_name"] for r in github_releases()] == ["v0.1"]


async def check_errors(client):
    # The command line's own message and hint, and the server keeps answering.
    await fails(
        client,
        "show",
        {"id": "TASK-999"},
        "error: no artifact with ID `TASK-999`",
        "hint: `git intellimanage list` shows the IDs",
        "exited with code 3",
    )
    await fails(client, "new", {"type": "frob", "title": "x"}, "error: unknown type `frob`", "hint: accepted types")
    await fails(client, "set", {"id": "TASK-001", "changes": ["status=bogus"]}, "unknown status `bogus`", "hint:")
    await fails(client, "show", {"id": "TASK-001", "rev": "no-such-branch"}, "error:", "no-such-branch", "hint:")
    # Arguments that don't fit the schema: a tool error too, naming them, not a dead server.
    await fails(client, "show", {"ident": "TASK-001"}, "ident")
    await fails(client, "sync", {"fetch_only": True}, "--fetch-only")
    still = await ok(client, "show", {"id": "BUG-001"})
    assert still["title"] == "Typo on the form", still


async def main():
    # The initialize handshake (protocol 2025-11-25 and before), in the repository.
    async with Client(server(REPO), mode="legacy") as client:
        print("negotiated", client.protocol_version)
        assert client.server_info.name == "git-intellimanage", client.server_info
        assert client.server_capabilities.tools is not None
        assert "worktree" in (client.instructions or ""), client.instructions
        await check_tools(client)
        await check_reading(client)
        await check_errors(client)
        await check_writing(client)
        await check_sync(client)

    # The SDK's default negotiation (server/discover, 2026-07-28, else initialize), with the
    # server started in a subdirectory and `directory` naming the repository from there.
    plan_dir = os.path.join(REPO, ".ruru", "projects")
    async with Client(server(plan_dir)) as client:
        print("negotiated", client.protocol_version)
        listed = await ok(client, "list", {"directory": "../..", "project": "demo", "type": ["bug"]})
        assert ids(listed["artifacts"]) == ["BUG-001"], listed
        await fails(client, "list", {"directory": "no/such/dir"}, "error:")
        assert len((await client.list_tools()).tools) == len(TOOLS)

    print("mcp check passed")


if __name__ == "__main__":
    asyncio.run(main())
