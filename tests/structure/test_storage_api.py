"""Stored files are reached through the storage API only (they may be in a bucket on another
server): no code reads MEDIA_ROOT or asks a stored file or a storage for its local path."""

import ast

import pytest

from tests.structure.test_layout import MODULES, TREES

SETTINGS = {"assurance.config.settings"}


def _local_path_uses(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "MEDIA_ROOT":
            yield node.lineno, "MEDIA_ROOT"
        elif isinstance(node, ast.Attribute) and node.attr == "MEDIA_ROOT":
            yield node.lineno, "settings.MEDIA_ROOT"
        elif isinstance(node, ast.Attribute) and node.attr in {"path", "temporary_file_path"}:
            owner = node.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if name in {"file", "fieldfile", "storage", "stored", "default_storage", "upload"}:
                yield node.lineno, f"{name}.{node.attr}"


@pytest.mark.parametrize("module", sorted(set(MODULES) - SETTINGS))
def test_no_code_uses_a_local_path_of_a_stored_file(module):
    found = list(_local_path_uses(TREES[module]))
    assert not found, f"{module} uses local paths of stored files: {found}"
