"""What intake knows of an issue, from what the forge says of it (pure).

The forge gives an issue, its events (every page), when its text was last edited and whether an
open pull request from its branch exists; intake needs `IssueFacts` with label events and edits.
An event whose actor is gone (a deleted account) keeps an empty login, which no approver list
and no permission trusts. The forge does not say who edited the text, so that edit names nobody
in particular; it is enough that it happened after the approval.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.forge.values import Issue, IssueComment, IssueEvent
from domain.loop.intake import Edit, IssueFacts, LabelEvent
from domain.loop.prompt import IssueComment as PromptComment

# The editor of the text is not known to the forge port: `issue_last_edited` gives the instant.
UNKNOWN_EDITOR = "someone"


def label_events(events: Iterable[IssueEvent]) -> tuple[LabelEvent, ...]:
    """The `labeled` and `unlabeled` events that name a label, oldest first.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> events = [IssueEvent(event="labeled", actor="ann", created_at=at, label="bug"),
    ...           IssueEvent(event="commented", actor="bob", created_at=at)]
    >>> [(e.label, e.actor, e.action) for e in label_events(events)]
    [('bug', 'ann', 'labeled')]
    """
    found = [
        LabelEvent(
            label=event.label,
            actor=event.actor or "",
            action="labeled" if event.event == "labeled" else "unlabeled",
            at=event.created_at,
        )
        for event in events
        if event.label is not None and event.event in {"labeled", "unlabeled"}
    ]
    return tuple(sorted(found, key=lambda e: e.at))


def edits(events: Iterable[IssueEvent], last_edited_at: datetime | None) -> tuple[Edit, ...]:
    """The changes to the text the agent reads: each rename, and the last edit of the text.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> renamed = IssueEvent(event="renamed", actor="bob", created_at=at, rename_to="x")
    >>> [(e.part, e.actor) for e in edits([renamed], at)]
    [('title', 'bob'), ('body', 'someone')]
    """
    found = [
        Edit(part="title", actor=event.actor or "", at=event.created_at)
        for event in events
        if event.event == "renamed"
    ]
    if last_edited_at is not None:
        found.append(Edit(part="body", actor=UNKNOWN_EDITOR, at=last_edited_at))
    return tuple(found)


def issue_facts(
    issue: Issue,
    events: Iterable[IssueEvent],
    last_edited_at: datetime | None,
    *,
    has_open_pull_request: bool,
) -> IssueFacts:
    """Intake's view of one issue from the forge's answers.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> issue = Issue(number=4, title="t", body="b", labels=("loop:approved",), state="open",
    ...               locked=False, author="ann", author_association="OWNER",
    ...               created_at=at, updated_at=at)
    >>> approved = IssueEvent(event="labeled", actor="ann", created_at=at, label="loop:approved")
    >>> facts = issue_facts(issue, [approved], None, has_open_pull_request=False)
    >>> facts.number, facts.label_events[0].actor, facts.edits
    (4, 'ann', ())
    """
    seen = tuple(events)
    return IssueFacts(
        number=issue.number,
        title=issue.title,
        body=issue.body,
        labels=issue.labels,
        created_at=issue.created_at,
        locked=issue.locked,
        has_open_pull_request=has_open_pull_request,
        label_events=label_events(seen),
        edits=edits(seen, last_edited_at),
    )


def trusted_comments(
    comments: Iterable[IssueComment], trusted: Iterable[str]
) -> tuple[PromptComment, ...]:
    """The comments whose authors are in `[loop] trusted_commenters` (logins ignore case), as
    the prompt takes them; nobody's when the list is empty.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> c = [IssueComment(id=i, author=a, author_association="NONE", body="x", created_at=at)
    ...      for i, a in enumerate(["Ann", "eve"])]
    >>> [x.author for x in trusted_comments(c, ["ann"])]
    ['Ann']
    """
    logins = {login.casefold() for login in trusted}
    return tuple(
        PromptComment(author=c.author, body=c.body)
        for c in comments
        if c.author.casefold() in logins
    )
