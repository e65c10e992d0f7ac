"""The HTML rewriter: links found by a real parser, everything else kept character for character."""

from tracking.rewriting import rewrite_html


def numbered(index, url):
    return f"https://t.test/c/{index}"


SOURCE = (
    "<!DOCTYPE html>\n<html><head><style>a[href^='http'] { color: red }</style></head>\n"
    '<body><table><tr><td><div class="x"><p>Hello &amp; welcome, <b>Ann</b>!\n'
    '<a href="https://shop.example/item?id=1&amp;ref=mail#reviews" class="btn" target=_blank><span>Buy</span></a>\n'
    "<a href='mailto:help@shop.example?subject=Hi'>Mail us</a> <a href=\"#top\">Top</a> "
    '<a href="tel:+861012345678">Call</a> <a href="/relative">Rel</a>\n'
    '<A HREF=HTTP://Example.COM/Path>Upper</A>\n'
    '<a href="https://例子.测试/路径?q=值&amp;x=1#片段">中文链接</a>\n'
    "<!-- <a href=\"https://in-a-comment.example/\">hidden</a> -->\n"
    "<!--[if mso]><a href=\"https://outlook-only.example/\">o</a><![endif]-->\n"
    '<script>var s = "<a href=\\"https://in-script.example/\\">";</script>\n'
    '<a href="%%user_defined_unsubscribe_link%%">Unsubscribe</a>\n'
    '<map><area shape="rect" coords="0,0,1,1" href="https://area.example/"/></map>\n'
    '<a name="anchor-only">no href</a> <a href="  https://spaces.example/  ">Spaces</a>\n'
    "</p></div></td></tr></table></body>\n</html>\n"
)


def test_only_http_links_outside_comments_and_scripts_are_rewritten():
    result = rewrite_html(SOURCE, click_url=numbered)
    assert result.links == [
        "https://shop.example/item?id=1&ref=mail#reviews",
        "HTTP://Example.COM/Path",
        "https://例子.测试/路径?q=值&x=1#片段",
        "https://area.example/",
        "https://spaces.example/",
    ]
    expected = (
        SOURCE.replace(
            '<a href="https://shop.example/item?id=1&amp;ref=mail#reviews" class="btn" target=_blank>',
            '<a href="https://t.test/c/0" class="btn" target="_blank">',
        )
        .replace("<A HREF=HTTP://Example.COM/Path>", '<A href="https://t.test/c/1">')
        .replace('<a href="https://例子.测试/路径?q=值&amp;x=1#片段">', '<a href="https://t.test/c/2">')
        .replace('<area shape="rect" coords="0,0,1,1" href="https://area.example/"/>',
                 '<area shape="rect" coords="0,0,1,1" href="https://t.test/c/3" />')
        .replace('<a href="  https://spaces.example/  ">', '<a href="https://t.test/c/4">')
    )
    assert result.html == expected


def test_rewritten_urls_are_attribute_escaped():
    result = rewrite_html('<a href="http://a.example/">x</a>', click_url=lambda i, u: 'https://t.test/?a=1&b="2"')
    assert result.html == '<a href="https://t.test/?a=1&amp;b=&quot;2&quot;">x</a>'


def test_append_goes_before_the_closing_body_tag():
    assert rewrite_html("<html><body><p>x</p></BODY></html>", append="<img>").html == (
        "<html><body><p>x</p><img></BODY></html>"
    )
    assert rewrite_html("<html><p>x</p></html>", append="<img>").html == "<html><p>x</p><img></html>"
    assert rewrite_html("<p>fragment</p>", append="<img>").html == "<p>fragment</p><img>"


def test_a_body_tag_inside_a_comment_is_not_the_end_of_the_body():
    html = "<body><p>x</p><!-- </body> --></body>"
    assert rewrite_html(html, append="<img>").html == "<body><p>x</p><!-- </body> --><img></body>"


def test_without_a_click_function_links_stay():
    assert rewrite_html(SOURCE).html == SOURCE
    assert rewrite_html(SOURCE).links == []


def test_broken_html_does_not_raise_and_is_kept():
    html = '<p><a href="https://ok.example/">ok</a><a href="https://cut.example/'
    result = rewrite_html(html, click_url=numbered)
    assert result.html == '<p><a href="https://t.test/c/0">ok</a><a href="https://cut.example/'
