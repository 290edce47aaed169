"""The two answering profiles (README, "Profiles").

`docs` answers as Chatwoot's documentation says where it speaks (error texts, the health body,
the documented parameter names); `chatwoot` answers as Chatwoot 4.10 does. Everything else is
the same in both.
"""

from __future__ import annotations

import enum


class Profile(enum.Enum):
    DOCS = "docs"
    CHATWOOT = "chatwoot"

    @classmethod
    def parse(cls, value: str | Profile) -> Profile:
        if isinstance(value, Profile):
            return value
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown profile {value!r}; choose one of: {names}") from None


DEFAULT_PROFILE = Profile.DOCS
