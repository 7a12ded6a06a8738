-- Custom migration: no parallel scans of resource_tag. The tag filter reads one page (51 rows) from
-- resource_tag_list_idx, under a millisecond; for a common tag the planner still chose a parallel scan,
-- and starting its workers took 3-5 ms of the page's 5-6 ms (bench: tag filter "common"). resource_tag
-- is this extension's own table, so the chat app's plans are not touched. Idempotent.
ALTER TABLE "resource_tag" SET (parallel_workers = 0);
