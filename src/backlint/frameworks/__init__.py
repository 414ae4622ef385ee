"""Framework knowledge shared by every rule: imports, value flow, routes, database calls, requests.

Facts about the whole file are computed once per file and memoised on the FileContext; facts
about one node are plain functions over small tables of names.
"""
