"""Questionnaires: who owns which version (an organisation or the site's library), loading,
adopting, editing and publishing them (services), their pages (views) and API (api). The
shipped YAML files lie beside this package's modules."""
