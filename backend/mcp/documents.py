"""The GraphQL documents the MCP tools send: what an assistant needs to answer, not every field there is.

Short selections keep the answers small (an assistant pays for every token it reads) and well inside the
schema's cost limits.
"""

from __future__ import annotations

SEARCH = {
    "customers": """query($search: String, $first: Int) {
  customers(search: $search, first: $first) { totalCount edges { node {
    id name status city country industry accountManager { name } } } } }""",
    "contacts": """query($search: String, $first: Int) {
  contacts(search: $search, first: $first) { totalCount edges { node {
    id name email phone jobTitle customer { id name } } } } }""",
    "deals": """query($search: String, $first: Int) {
  deals(search: $search, first: $first) { totalCount edges { node {
    id title amount { value currency } stage { name } expectedCloseDate customer { id name } owner { name } } } } }""",
}

_TIMELINE = "activities(first: 5) { id kind title occurredAt }"

READ = {
    "customer": f"""query($id: ID!) {{ record: customer(id: $id) {{
  id name status phase email phone website city country industry segment tags description
  accountManager {{ id name email }} contacts {{ id name email jobTitle isPrimary }}
  deals {{ id title stage {{ name }} amount {{ value currency }} }} {_TIMELINE} }} }}""",
    "contact": f"""query($id: ID!) {{ record: contact(id: $id) {{
  id name email phone jobTitle department status customer {{ id name }} owner {{ name }} {_TIMELINE} }} }}""",
    "deal": f"""query($id: ID!) {{ record: deal(id: $id) {{
  id title probability expectedCloseDate amount {{ value currency }} stage {{ name }} pipeline {{ name }}
  customer {{ id name }} contact {{ id name }} owner {{ name }} {_TIMELINE} }} }}""",
    "activity": """query($id: ID!) { record: activity(id: $id) {
  id kind title description occurredAt dueAt priority taskStatus overdue completedAt
  customer { id name } contact { id name } deal { id title } author { name } assignee { name } } }""",
    "campaign": """query($id: ID!) { record: campaign(id: $id) {
  id title code description type status startsOn endsOn views likes enrolments owner { name } publicUrl } }""",
}

MY_TASKS = """query($first: Int, $open: Boolean) {
  activities(first: $first, filter: {kind: [TASK], mine: true, open: $open}, orderBy: {field: DUE_AT}) {
    totalCount edges { node { id title dueAt priority taskStatus overdue customer { id name } deal { id title } } } } }"""

LOG_ACTIVITY = """mutation($input: LogActivityInput!) { logActivity(input: $input) {
  id kind title occurredAt dueAt priority taskStatus customer { id name } contact { id name } deal { id title }
  assignee { name } } }"""
