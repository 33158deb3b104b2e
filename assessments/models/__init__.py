from .people import Membership, Organization, OrgRole, Team, TeamGroup

__all__ = ["Membership", "OrgRole", "Organization", "Team", "TeamGroup"]
