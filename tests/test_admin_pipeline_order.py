"""Admin → Pipelines places a new open stage before the closing (won/lost) stages that end the pipeline."""

from frontend.components.admin.pipelines import open_end


def stages(*kinds: str) -> list[dict[str, str]]:
    return [{"kind": kind} for kind in kinds]


def test_a_new_open_stage_goes_before_the_closing_stages() -> None:
    assert open_end(stages("OPEN", "WON", "LOST")) == 1
    assert open_end(stages("OPEN", "OPEN", "LOST", "OPEN", "WON")) == 4  # only the closing run at the end
    assert open_end(stages("OPEN", "OPEN")) == 2
    assert open_end([]) == 0
