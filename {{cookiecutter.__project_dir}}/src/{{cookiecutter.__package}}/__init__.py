"""The {{ cookiecutter.project_slug }} voice agent."""
