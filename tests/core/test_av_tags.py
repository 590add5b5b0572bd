"""Which clips a side plays, and the play buttons that carry them (the names survive any
character a file name can hold)."""

from __future__ import annotations

from app.core import av_tags


def test_front_side_clips_become_references_to_the_question() -> None:
    question = "[sound:a.mp3] word [sound:b.mp3]"
    answer = av_tags.front_side(question) + "<hr>[sound:c.mp3]"
    shown = av_tags.play_buttons(answer, answer=True, question_html=question)
    assert [(c.side, c.index, c.name) for c in av_tags.clips_in(shown)] == [
        ("q", 0, "a.mp3"),
        ("q", 1, "b.mp3"),
        ("a", 0, "c.mp3"),
    ]
    assert [c.name for c in av_tags.autoplay(shown, answer=True)] == ["c.mp3"]
    question_shown = av_tags.play_buttons(question, answer=False, question_html=question)
    assert [c.name for c in av_tags.replay(question_shown, shown)] == ["a.mp3", "b.mp3", "c.mp3"]


def test_a_reference_to_no_clip_shows_nothing() -> None:
    shown = av_tags.play_buttons("x [anki:play:q:3] y", answer=True, question_html="")
    assert shown == "x  y" and av_tags.clips_in(shown) == []


def test_markdown_answer_repeating_the_question_plays_only_its_own_clips() -> None:
    question = "<h3>Say [sound:media/1.mp3]</h3>"
    answer = question + "<hr/><p>[sound:media/2.mp3]</p>"
    shown = av_tags.play_buttons(answer, answer=True, question_html=question, front=question)
    assert [c.name for c in av_tags.autoplay(shown, answer=True)] == ["media/2.mp3"]
    assert len(av_tags.clips_in(shown)) == 2


def test_names_survive_the_button_link() -> None:
    for name in ("a b.mp3", "x&y.mp3", "100%/ü \"q\" 'r'.ogg", "media/ab.wav"):
        tag = f"[sound:{name.replace('&', '&amp;')}]"
        shown = av_tags.play_buttons(tag, answer=False, question_html=tag)
        (clip,) = av_tags.clips_in(shown)
        assert clip.name == name
        link = shown.split('href="', 1)[1].split('"', 1)[0]
        assert av_tags.parse_button(link) == clip


def test_video_is_told_by_its_extension() -> None:
    assert av_tags.is_video("film.MP4") and av_tags.is_video("clip.webm")
    assert not av_tags.is_video("word.mp3") and not av_tags.is_video("noext")
