"""The web page in a real browser: Debian's chromium, headless, driven by selenium.

One browser for the module. The pages (English, Chinese, hostile names) are opened by
file://; the tests press keys and read what the browser shows: how many steps are visible,
the counter, the URL fragment, the path highlighted on the picture, the size of the
rendered MathML, the console, the network log (nothing may leave file://), dialogs.
Screenshots go to the test's temporary directory. Skipped, with the reason, when
chromium, chromedriver or selenium is missing (.ci/run installs them).
"""
from __future__ import annotations

import json
import shutil
import tempfile

import pytest

import bptrace

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

pytestmark = [
    pytest.mark.skipif(not HAVE_SELENIUM, reason="selenium is not installed (pip install selenium)"),
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="chromium and chromedriver are not installed "
                              "(apt-get install chromium chromium-driver)"),
]

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1600,1000"]


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="bptrace-chromium-")
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The classic example's page in English and Chinese, and two hostile-name pages."""
    from test_html import HOSTILE_NAMES, hostile_spec
    d = tmp_path_factory.mktemp("pages")
    net = bptrace.load("mazur")
    out = {}
    for lang in ("en", "zh"):
        out[lang] = d / f"mazur-{lang}.html"
        out[lang].write_text(bptrace.web_page(net, lang=lang, wrt=["w5", "w1"]), encoding="utf-8")
    for i, name in enumerate(HOSTILE_NAMES[:2]):
        out[f"hostile{i}"] = d / f"hostile{i}.html"
        hostile = bptrace.loads(hostile_spec(name))
        out[f"hostile{i}"].write_text(bptrace.web_page(hostile, wrt=["w1"], check=False), encoding="utf-8")
    return out


def open_page(browser, path, fragment=""):
    browser.get_log("browser")          # drop what earlier pages logged
    browser.get_log("performance")
    browser.get(path.as_uri() + fragment)


def press(browser, key, times=1):
    from selenium.webdriver.common.action_chains import ActionChains
    actions = ActionChains(browser)
    for _ in range(times):
        actions.send_keys(key)
    actions.perform()


def state(browser):
    """(visible steps, counter text, fragment, highlighted ids, total steps)."""
    return browser.execute_script("""
        const steps = [...document.querySelectorAll('.step')];
        const visible = steps.filter(s => getComputedStyle(s).visibility === 'visible').length;
        return [visible, document.getElementById('counter').textContent, location.hash,
                [...document.querySelectorAll('.hl')].map(e => e.id).sort(), steps.length];
    """)


def severe(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.parametrize("lang,counter", [("en", "step {k} of {n}"), ("zh", "第 {k} 步，共 {n} 步")])
def test_arrow_keys_reveal_one_step_each(browser, pages, lang, counter, tmp_path):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages[lang])
    visible, text, fragment, _, total = state(browser)
    assert (visible, text) == (0, counter.format(k=0, n=total))
    assert total == 53
    press(browser, Keys.ARROW_RIGHT, 7)
    visible, text, fragment, _, _ = state(browser)
    assert (visible, text, fragment) == (7, counter.format(k=7, n=total), "#step-7")
    press(browser, Keys.SPACE, 3)
    press(browser, Keys.ARROW_LEFT)
    assert state(browser)[:3] == [9, counter.format(k=9, n=total), "#step-9"]
    browser.save_screenshot(str(tmp_path / f"step9-{lang}.png"))
    assert severe(browser) == []


def test_fragment_links_to_a_step(browser, pages):
    open_page(browser, pages["en"], "#step-12")
    visible, text, fragment, _, total = state(browser)
    assert (visible, text, fragment) == (12, f"step 12 of {total}", "#step-12")


def test_path_highlight_follows_the_step(browser, pages):
    from selenium.webdriver.common.keys import Keys
    open_page(browser, pages["en"])
    hl = browser.execute_script("return [...document.querySelectorAll('.step')].map(s => s.dataset.hl || '')")
    # the forward pass highlights nothing; w5's one path, then w1's two paths, each its own
    assert hl[:11] == [""] * 11
    w5 = "bp_E bp_e_n1_1_n2_1 bp_e_n2_1_E bp_n1_1 bp_n2_1"
    w1_path1 = "bp_E bp_e_n1_1_n2_1 bp_e_n2_1_E bp_e_x1_n1_1 bp_n1_1 bp_n2_1 bp_x1"
    w1_path2 = "bp_E bp_e_n1_1_n2_2 bp_e_n2_2_E bp_e_x1_n1_1 bp_n1_1 bp_n2_2 bp_x1"
    first_w5 = hl.index(next(h for h in hl if h))
    press(browser, Keys.ARROW_RIGHT, first_w5 + 1)
    assert " ".join(state(browser)[3]) == w5
    firsts = [i for i, h in enumerate(hl) if h and (i == 0 or hl[i - 1] != h)]
    press(browser, Keys.ARROW_RIGHT, firsts[1] - first_w5)       # w1, path 1
    assert " ".join(state(browser)[3]) == w1_path1
    press(browser, Keys.ARROW_RIGHT, firsts[2] - firsts[1])       # w1, path 2
    assert " ".join(state(browser)[3]) == w1_path2
    press(browser, Keys.ARROW_LEFT)                               # back to path 1's product
    assert " ".join(state(browser)[3]) == w1_path1
    press(browser, Keys.END)                                      # the check table: no path
    assert state(browser)[3] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mathml_is_rendered_with_size(browser, pages, lang, tmp_path):
    open_page(browser, pages[lang])
    browser.find_element("id", "all").click()
    sizes = browser.execute_script("""
        return [...document.querySelectorAll('math')].map(m => {
            const r = m.getBoundingClientRect(); return [r.width, r.height]; });""")
    assert len(sizes) > 50
    assert [s for s in sizes if s[0] <= 0 or s[1] <= 0] == []
    # a fraction is taller than a line of text: MathML is laid out, not shown as plain text
    frac = browser.execute_script("return document.querySelector('.step mfrac').getBoundingClientRect().height")
    line = browser.execute_script("return document.querySelector('.step mi').getBoundingClientRect().height")
    assert frac > 1.5 * line
    browser.save_screenshot(str(tmp_path / f"all-{lang}.png"))
    assert severe(browser) == []


def test_nothing_leaves_file_urls(browser, pages):
    open_page(browser, pages["en"])
    browser.find_element("id", "all").click()
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls and all(u.startswith("file://") for u in urls), urls
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_a_focused_number_shows_its_50_digits_and_torch_s_value(browser, pages):
    open_page(browser, pages["en"])
    browser.find_element("id", "all").click()
    text = browser.execute_script("""
        const n = [...document.querySelectorAll('.num[data-f64]')]
            .find(e => e.closest('.step') && e.textContent === '0.75136507');
        n.focus();
        const tip = document.getElementById('tip');
        return [tip.hidden, tip.textContent, document.activeElement === n];""")
    hidden, tip, focused = text
    net = bptrace.load("mazur")
    theirs = {row.quantity: row.theirs for row in bptrace.check_torch(net).rows}
    assert focused and not hidden
    import mpmath
    assert tip == (f"50 digits: {mpmath.nstr(net.values['out_o1'], 50, min_fixed=-6, max_fixed=50)}\n"
                   f"torch float64: {theirs['out_o1']!r}")


def test_without_javascript_every_step_is_shown(browser, pages):
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        open_page(browser, pages["zh"])
        steps = browser.find_elements("css selector", ".step")
        assert len(steps) == 53 and all(s.is_displayed() for s in steps)
        assert not browser.find_element("id", "controls").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


@pytest.mark.parametrize("which", ["hostile0", "hostile1"])
def test_hostile_name_runs_no_script(browser, pages, which):
    from selenium.common.exceptions import NoAlertPresentException
    from test_html import HOSTILE_NAMES
    open_page(browser, pages[which])
    from selenium.webdriver.common.keys import Keys
    press(browser, Keys.END)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    assert browser.find_element("css selector", ".subtitle").text == HOSTILE_NAMES[int(which[-1])]
    assert browser.execute_script("return document.scripts.length") == 1
    assert severe(browser) == []
