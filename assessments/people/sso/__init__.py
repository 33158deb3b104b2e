"""Single sign-on and MFA for an organisation's people (issue 21). Plain modules, called alike
by the pages, the allauth adapters and ``manage.py sso_configure``:

- ``configuration``: an organisation's identity provider (one allauth SocialApp) and domains;
- ``domains``: which organisation's provider an e-mail address signs in with;
- ``mapping``: the provider's groups to teams and roles (``groups_to_roles`` is pure);
- ``provisioning``: who an identity is, created just in time, never across organisations;
- ``policy``: may this person use a password, and must they give a second factor.

django-allauth is imported by ``configuration``, ``adapters`` and ``mfa`` only.
"""
