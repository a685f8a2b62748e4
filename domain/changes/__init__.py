"""What changed: change sets, file content, history and worktree snapshots."""
