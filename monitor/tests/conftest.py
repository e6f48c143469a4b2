import pytest
from django.contrib.auth.models import Group, User


def staff(username: str, role: str | None) -> User:
    user = User.objects.create_user(username, password="correct horse battery staple", is_staff=True)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def moderator(db):
    return staff("moderator", "moderators")


@pytest.fixture
def editor(db):
    return staff("editor", "editors")


@pytest.fixture
def nobody(db):
    """Staff without a monitor role."""
    return staff("volunteer", None)


@pytest.fixture
def client():
    """Pages and messages in English, the language the assertions are written in."""
    from django.test import Client

    return Client(headers={"accept-language": "en"})
