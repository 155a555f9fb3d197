"""The global request body cap (``MAX_CONTENT_LENGTH``): a larger body gets the translated
413 error page before any view runs; a body within it is served as usual."""

from __future__ import annotations

from scheduler.config import DEFAULT_MAX_CONTENT_LENGTH


def post_body(client, size: int):
    return client.post("/auth/login", data=b"x" * size, content_type="application/x-www-form-urlencoded")


def test_the_default_cap_leaves_room_for_the_largest_upload(app):
    assert app.config["MAX_CONTENT_LENGTH"] == DEFAULT_MAX_CONTENT_LENGTH == 4 * 1024 * 1024


def test_an_oversized_post_gets_the_translated_413_page(client, app):
    response = post_body(client, app.config["MAX_CONTENT_LENGTH"] + 1)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "您提交的内容太大" in page and "413" in page


def test_a_post_within_the_cap_reaches_the_view(client, app):
    response = post_body(client, app.config["MAX_CONTENT_LENGTH"] - 1024)
    assert response.status_code != 413
    assert "您提交的内容太大" not in response.get_data(as_text=True)


def test_an_oversized_body_is_refused_even_where_no_view_would_read_it(client, app):
    # "/" answers only GET: without the early check the body would be ignored and 405 sent.
    response = client.post("/", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                           content_type="application/octet-stream")
    assert response.status_code == 413
