"""Compiled reads: a query whose every field is covered is answered by one SQL statement per root field that
builds the JSON answer in the database; anything else runs on the resolver path unchanged (never half and half).

selection.py reads the operation (fragments, @include/@skip, aliases) into a tree of fields; dialect.py holds
the JSON functions of SQLite and PostgreSQL; lists.py compiles the root lists (`customers`, `contacts`) and
nodes.py the objects, lists and relations inside them; shape.py turns the database's JSON into the values the
resolver path would send; run.py ties them together."""
