import pytest
from django.core.management import CommandError, call_command

from lianxin.analysis.models import ClassifierVersion

pytestmark = pytest.mark.django_db


def test_upload_command_stores_and_activates_a_trained_model(tmp_path, tiny_model_bytes):
    path = tmp_path / "model.joblib"
    path.write_bytes(tiny_model_bytes)
    call_command("classifier_upload", str(path), "--activate")
    version = ClassifierVersion.objects.get()
    assert version.is_active
    assert bytes(version.data) == tiny_model_bytes


def test_upload_command_refuses_a_corrupt_file_and_stores_nothing(tmp_path):
    path = tmp_path / "broken.joblib"
    path.write_bytes(b"this is not a model")
    with pytest.raises(CommandError, match="模型文件不可用"):
        call_command("classifier_upload", str(path))
    assert not ClassifierVersion.objects.exists()
