"""Every model has an admin page that opens for an operator."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

pytestmark = pytest.mark.django_db


def test_every_ecredit_model_is_in_the_admin():
    ours = [m for m in apps.get_models() if m.__module__.startswith("ecredit.")]
    assert [m.__name__ for m in ours if m not in admin.site._registry] == []


def test_admin_list_pages_open(admin_client):
    for model in admin.site._registry:
        if not model.__module__.startswith("ecredit."):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
