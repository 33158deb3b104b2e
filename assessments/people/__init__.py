"""An organisation's people: who belongs to it (``OrganizationMember``), how they join
(invitations accepted by e-mail link), and who may be found, added to a team, made an owner or
e-mailed on its behalf: only its own people, and nobody outside learns who else uses the site."""
