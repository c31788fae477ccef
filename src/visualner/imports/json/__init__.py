"""JSON task lists: splitting a list into its tasks' byte ranges (while it uploads, or after),
reading one task's shape, and prefetching the documents the next tasks name."""
