"""docs/reference.md says what the code declares: its generated part is up to date."""

from compliance_pipeline.reference import BEGIN, DOC, END, generated


def test_the_reference_page_is_up_to_date():
    text = DOC.read_text()
    stored = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert stored == generated().strip(), "run `python -m compliance_pipeline.reference` and commit docs/reference.md"
    # Every description users see (assets, checks, jobs, schedules, sensors, columns) is in the
    # users' words: none names the original scripts.
    assert "seed" not in stored.lower()


def test_the_readme_links_the_reference_and_nothing_outside_the_repository():
    readme = (DOC.parents[1] / "README.md").read_text()
    assert "docs/reference.md" in readme and "CONTRACT" not in readme
