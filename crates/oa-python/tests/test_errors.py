"""Errors as exceptions: one class per code of the pipeline's table, carrying the file,
line, column, row and study key the message names."""

import ast
from pathlib import Path

import pandas as pd
import pytest

import oa
from conftest import REPO, study_text


def lads(codes, values):
    return pd.DataFrame({"code": codes, "x": values})


def build(frame, **kwargs):
    spec = dict(code="code", indicators={"x": "higher_is_worse"}, area_type="lad", vintage=2019)
    spec.update(kwargs)
    return oa.Study.from_frame(frame, **spec)


def test_every_code_has_its_class_in_the_package_and_the_stub():
    stub = ast.parse((Path(oa.__file__).with_name("__init__.pyi")).read_text())
    stub_classes = {n.name for n in stub.body if isinstance(n, ast.ClassDef)}
    for class_name, code in oa._oa.ERROR_CODES:
        cls = getattr(oa, class_name)
        assert issubclass(cls, oa.OaError) and class_name in oa.__all__, class_name
        assert class_name in stub_classes, f"{class_name} ({code}) is not in __init__.pyi"
    assert len(oa._oa.ERROR_CODES) == len({c for _, c in oa._oa.ERROR_CODES}) == 13


def test_a_bad_weight_names_the_study_key():
    with pytest.raises(oa.StudyInvalidError) as e:
        build(lads(["E06000001"], [1.0]), weights={"x": -1})
    err = e.value
    assert err.code == "study_invalid" and err.user
    assert err.key == "indicators[0].weight"
    assert err.file == "study (built from a data frame)"
    assert isinstance(err, oa.OaError)


def test_a_toml_syntax_error_names_line_and_column(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(study_text("imd2019").replace('area_type = "lsoa"', 'area_typo = "lsoa"'))
    with pytest.raises(oa.StudyInvalidError) as e:
        oa.Study.from_file(bad)
    assert e.value.file == str(bad)
    assert e.value.line == 19 and e.value.column is not None
    assert "did you mean `area_type`?" in str(e.value)


def test_missing_data_and_missing_study():
    with pytest.raises(oa.StudyInvalidError, match="study file not found"):
        oa.run(REPO / "studies" / "no-such-study.toml")
    with pytest.raises(oa.DataMissingError) as e:
        oa.run(REPO / "studies" / "imd2019.toml", data_dir=REPO / "no-such-dir")
    assert e.value.code == "data_missing"


def test_frame_errors_name_the_row_and_column():
    with pytest.raises(oa.DataMalformedError) as e:
        build(lads(["E06000001", "E06000002", "E06000001"], [1.0, 2.0, 3.0])).run()
    assert "appears twice, at row 0 and row 2" in str(e.value)
    assert e.value.row == 0

    with pytest.raises(oa.DataMalformedError) as e:
        build(lads(["E06000001", "E06000002"], ["1.5", "lots"])).run()
    assert (e.value.row, e.value.column) == (1, "x")

    with pytest.raises(oa.AreaCodeError) as e:
        build(lads(["E06000001", "E01000002"], [1.0, 2.0])).run()
    assert "an LSOA code" in str(e.value) and e.value.row == 1

    with pytest.raises(oa.DataMalformedError, match="did you mean `x1`"):
        build(pd.DataFrame({"code": ["E06000001"], "x1": [1.0]})).run()


def test_unreadable_bundles_and_refused_outputs(tmp_path, imd2019):
    (tmp_path / "notes.txt").write_text("not a bundle")
    with pytest.raises(oa.BundleInvalidError):
        oa.read(tmp_path)
    with pytest.raises(oa.OutputRefusedError):
        imd2019.write(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "not a bundle"


def test_a_missing_table_is_a_key_error(imd2019):
    with pytest.raises(KeyError, match="they have scores, indicators, coverage"):
        imd2019["selection"]
