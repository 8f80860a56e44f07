"""Every model's name in the admin is a real English plural ("Reminder deliveries", never
"Reminder deliverys")."""

import re

from django.apps import apps


def test_every_model_has_a_proper_plural_name():
    wrong = [
        f"{model.__name__}: {model._meta.verbose_name_plural}"
        for model in apps.get_models()
        if re.search(r"[^aeiou]ys$", str(model._meta.verbose_name_plural))
    ]
    assert not wrong, wrong
