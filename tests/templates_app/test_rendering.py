"""The %variable% renderer shared by templates and ordinary sends (sendcloud-api-v2.md §5-6)."""

from types import SimpleNamespace

import pytest

from templates_app.rendering import (
    plain_from_html,
    raw_tokens_from,
    recipient_variables,
    render,
    render_template,
    variables_in,
)

GUIDE_SUB = {
    "%name%": ["Ben", "Joe", "Liubida"],
    "%money%": [288, 497, 688],
    "%role%": ["银牌", "金牌", "金牌"],
    "%role_words%": ["%silver%", "%golden%", "%golden%"],
}
GUIDE_SECTION = {"silver": "words for silver users", "golden": "words for golden users"}


@pytest.mark.parametrize(
    ("index", "sub", "pubsub", "section", "expected"),
    [
        # per-recipient sub, numbers as values (the guide's example)
        (0, {"%name%": ["Ben", "Joe"], "%money%": [288, 497]}, None, None, {"%name%": "Ben", "%money%": "288"}),
        (1, {"%name%": ["Ben", "Joe"], "%money%": [288, 497]}, None, None, {"%name%": "Joe", "%money%": "497"}),
        # floats, booleans and null
        (0, {"%price%": [9.5], "%vip%": [True], "%note%": [None]}, None, None, {"%price%": "9.5", "%vip%": "true", "%note%": ""}),
        # sections referenced from sub values (the guide's example, recipient 2)
        (
            2,
            GUIDE_SUB,
            None,
            GUIDE_SECTION,
            {"%name%": "Liubida", "%money%": "688", "%role%": "金牌", "%role_words%": "words for golden users"},
        ),
        (0, GUIDE_SUB, None, GUIDE_SECTION, {"%name%": "Ben", "%money%": "288", "%role%": "银牌", "%role_words%": "words for silver users"}),
        # pubsub: the same for everyone; sub wins over pubsub for the same key
        (1, {"%name%": ["A", "B"]}, {"%site%": "example.com", "%name%": "X"}, None, {"%site%": "example.com", "%name%": "B"}),
        # a pubsub value may reference a section too; section keys may also be written with %
        (0, None, {"%footer%": "%legal%"}, {"%legal%": "© 2024"}, {"%footer%": "© 2024"}),
        # a value that merely looks like a section reference stays as given
        (0, {"%x%": ["%nosuch%"]}, None, {"other": "text"}, {"%x%": "%nosuch%"}),
        # the double-% platform variable passes through as an ordinary key
        (
            1,
            {"%%user_defined_unsubscribe_link%%": ["http://u/1", "http://u/2"]},
            None,
            None,
            {"%%user_defined_unsubscribe_link%%": "http://u/2"},
        ),
        # SDKs serialise unset members as null
        (0, {"%a%": ["1"], "%b%": None}, {"%c%": None}, None, {"%a%": "1"}),
        (0, None, None, None, {}),
    ],
)
def test_recipient_variables(index, sub, pubsub, section, expected):
    assert recipient_variables(index=index, sub=sub, pubsub=pubsub, section=section) == expected


@pytest.mark.parametrize(
    ("sub", "pubsub", "message"),
    [
        ({"%name%": ["only one"]}, None, "sub %name%: 1 values for recipient number 2"),
        ({"%name%": "not a list"}, None, "sub %name%: expected a list with one value per recipient"),
        ({"%name%": ["a", {"x": 1}]}, None, "sub %name%: a value must be text or a number, not dict"),
        (None, {"%name%": ["a"]}, "pubsub %name%: a value must be text or a number, not list"),
    ],
)
def test_recipient_variables_rejects(sub, pubsub, message):
    with pytest.raises(ValueError) as error:
        recipient_variables(index=1, sub=sub, pubsub=pubsub, section=None)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("text", "variables", "html", "raw", "expected"),
    [
        ("Dear %name%, you owe %money% yuan.", {"%name%": "Ben", "%money%": "288"}, False, frozenset(), "Dear Ben, you owe 288 yuan."),
        # missing variables stay as written
        ("Hi %name%, code %code%", {"%name%": "Ann"}, False, frozenset(), "Hi Ann, code %code%"),
        ("Hi %name%", {}, True, frozenset(), "Hi %name%"),
        # % inside values, and a value holding another token is not expanded again (one pass)
        ("Save %pct% now", {"%pct%": "50%"}, False, frozenset(), "Save 50% now"),
        ("%a%-%b%", {"%a%": "%b%", "%b%": "%a%"}, False, frozenset(), "%b%-%a%"),
        # adjacent tokens
        ("%a%%b%", {"%a%": "1", "%b%": "2"}, False, frozenset(), "12"),
        # CSS and attribute percentages are not variables
        ('<td width="50%">%name%</td><p style="width:100%;">', {"%name%": "Z"}, True, frozenset(), '<td width="50%">Z</td><p style="width:100%;">'),
        # HTML escaping in HTML parts only, unless the token is raw
        ("<p>%name%</p>", {"%name%": '<b>"Tom" & Co\'</b>'}, True, frozenset(), "<p>&lt;b&gt;&quot;Tom&quot; &amp; Co&#x27;&lt;/b&gt;</p>"),
        ("%name%", {"%name%": "<b>Tom</b>"}, False, frozenset(), "<b>Tom</b>"),
        ("<div>%block%</div>%name%", {"%block%": "<i>x</i>", "%name%": "<i>y</i>"}, True, frozenset({"%block%"}), "<div><i>x</i></div>&lt;i&gt;y&lt;/i&gt;"),
        # Chinese text and Chinese variable names
        ("亲爱的%name%：您本月消费%money%元。%姓名%", {"%name%": "小明", "%money%": "288", "%姓名%": "王五"}, True, frozenset(), "亲爱的小明：您本月消费288元。王五"),
        # the double-% platform variable is untouched unless that exact token is given
        ('<a href="%%user_defined_unsubscribe_link%%">x</a>', {"%user_defined_unsubscribe_link%": "BAD"}, True, frozenset(), '<a href="%%user_defined_unsubscribe_link%%">x</a>'),
        ("%%user_defined_unsubscribe_link%%", {"%%user_defined_unsubscribe_link%%": "http://u/?a=1&b=2"}, True, frozenset(), "http://u/?a=1&amp;b=2"),
        ("%a% %%user_defined_unsubscribe_link%% %a%", {"%a%": "1"}, False, frozenset(), "1 %%user_defined_unsubscribe_link%% 1"),
        # only %name% keys are variables
        ("a name b", {"name": "X", "%": "Y", "%%": "Z"}, False, frozenset(), "a name b"),
        ("", {"%a%": "1"}, False, frozenset(), ""),
    ],
)
def test_render(text, variables, html, raw, expected):
    assert render(text, variables, html=html, raw=raw) == expected


def test_render_combines_with_recipient_variables():
    subject = "%name%, your %role% benefits"
    for index, expected in enumerate(["Ben, your 银牌 benefits", "Joe, your 金牌 benefits", "Liubida, your 金牌 benefits"]):
        variables = recipient_variables(index=index, sub=GUIDE_SUB, pubsub=None, section=GUIDE_SECTION)
        assert render(subject, variables, html=False) == expected


def test_plain_from_html_keeps_text_links_and_variables_readable():
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<h1>订单 %order_id%</h1><p>Hello <b>%user_name%</b>,</p><p>1. first - item_one</p>"
        '<p><a href="%%user_defined_unsubscribe_link%%">退订</a></p></body></html>'
    )
    assert plain_from_html(html) == (
        "# 订单 %order_id%\n\nHello %user_name%,\n\n1. first - item_one\n\n[退订](%%user_defined_unsubscribe_link%%)\n"
    )


def test_plain_from_html_does_not_wrap_long_lines():
    html = "<p>" + " ".join(["word"] * 60) + " %long_variable_name%</p>"
    assert plain_from_html(html) == " ".join(["word"] * 60) + " %long_variable_name%\n"


@pytest.mark.parametrize("html", ["", "   ", "<div></div>", "<br>"])
def test_plain_from_html_of_nothing_is_empty(html):
    assert plain_from_html(html) == ""


def test_variables_in_finds_tokens_once_in_order():
    assert variables_in("%b% and %a%", '<td width="50%">%a% %%user_defined_unsubscribe_link%%</td> 100% off %c%') == [
        "%b%",
        "%a%",
        "%%user_defined_unsubscribe_link%%",
        "%c%",
    ]


def test_raw_tokens_from_normalises_names():
    assert raw_tokens_from(["content", "%footer%", " content ", "", "%%x%%"]) == ["%content%", "%footer%", "%%x%%"]


def test_render_template_escapes_only_the_html_part():
    template = SimpleNamespace(
        subject="Hi %name%", html="<p>%name%</p>%block%", plain="Hi %name%", raw_tokens=frozenset({"%block%"})
    )
    rendered = render_template(template, {"%name%": "<Ann>", "%block%": "<hr>"})
    assert (rendered.subject, rendered.html, rendered.plain) == ("Hi <Ann>", "<p>&lt;Ann&gt;</p><hr>", "Hi <Ann>")
