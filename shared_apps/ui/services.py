"""The theme choice: one code path for the user menu's form and its script."""

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser


def theme_choices() -> set[str]:
    return {value for value, _ in get_user_model()._meta.get_field("theme").choices or ()}


def theme_set(user: AbstractBaseUser, theme: str) -> None:
    """Remember `theme` on the user (the caller validated it against theme_choices())."""
    get_user_model()._default_manager.filter(pk=user.pk).update(theme=theme)
    user.theme = theme  # type: ignore[attr-defined]
