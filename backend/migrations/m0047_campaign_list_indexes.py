"""Indexes for a campaign's paged lists (issue 22): who enrolled and who was mailed, newest first, and its greetings,
next first. Both read paths page them by (campaign, time, id). Without these, each page sorted every enrolment of
the campaign (the only indexes were on the time alone and on the campaign with the address): the enrolee export of
a campaign of 100,000 people sorted them all for each page of 100, and the compiled statement, which reads a page
for its edges and again for each pageInfo field, sorted them once for each. With them a page is a short range of an
index, read in its order.
"""

from backend.migrations.ops import sql

apply = sql(
    'CREATE INDEX "idx_enrolment_campaign_created" ON "enrolment" ("campaign_id", "created_at", "id")',
    'CREATE INDEX "idx_campaign_send_campaign_created" ON "campaign_send" ("campaign_id", "created_at", "id")',
    'CREATE INDEX "idx_greeting_campaign_send_at" ON "greeting" ("campaign_id", "send_at", "id")',
)
