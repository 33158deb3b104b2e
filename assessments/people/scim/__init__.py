"""SCIM 2.0 provisioning (RFC 7643/7644) for one organisation at a time: its identity provider
creates, updates, deactivates and removes the organisation's people and keeps groups that map
to teams. Plain functions here; ``views`` only parses, authenticates and calls them.

- ``errors``: the SCIM error (status, ``scimType``, detail);
- ``filters`` and ``patch``: pure parsing and PATCH application over plain dicts;
- ``resources``: the JSON shapes (users, groups, discovery documents);
- ``users`` and ``groups``: provisioning, through ``assessments.people.services`` and
  ``assessments.maturity.services`` like every other change of people and teams.

What is supported, and the deactivation rule for people of several organisations:
docs/scim.md."""
