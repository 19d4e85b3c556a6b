"""Regenerates the web page of the classic example and its screenshots in docs/gallery/.

    python docs/make_web_gallery.py          # needs chromium, chromedriver, selenium

Writes docs/mazur.html and docs/mazur-zh.html (`bptrace html mazur --train 200`), then opens
each in headless chromium by file:// and saves PNGs: partway through the forward pass, on
the second path of ∂E_total/∂w1 (the picture highlights it), and with every step shown.
Open the PNGs before committing: they are what a student sees.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
GALLERY = DOCS / "gallery"


def driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 "--window-size=1440,900", f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def main() -> None:
    GALLERY.mkdir(exist_ok=True)
    pages = {"en": DOCS / "mazur.html", "zh": DOCS / "mazur-zh.html"}
    for lang, path in pages.items():
        subprocess.run(["bptrace", "html", "mazur", "--lang", lang, "--wrt", "w5", "--wrt", "w1",
                        "--train", "200", "-o", str(path)], check=True)
    d = driver()
    try:
        for lang, path in pages.items():
            d.get(path.as_uri())
            hl = d.execute_script("return [...document.querySelectorAll('.step')].map(s => s.dataset.hl || '')")
            firsts = [i for i, h in enumerate(hl) if h and (i == 0 or hl[i - 1] != h)]
            at = {"forward": 6, "path": firsts[2] + 3}         # w1, path 2, its second factor
            for name, k in at.items():
                d.get(path.as_uri() + f"#step-{k}")
                d.refresh()
                d.save_screenshot(str(GALLERY / f"web-{lang}-{name}.png"))
            d.get(path.as_uri() + "#step-0")
            d.refresh()
            d.find_element("id", "all").click()
            d.execute_script("document.getElementById('backward').scrollIntoView()")
            d.save_screenshot(str(GALLERY / f"web-{lang}-all.png"))
    finally:
        d.quit()
    print("\n".join(str(p.relative_to(DOCS.parent)) for p in sorted(GALLERY.glob("web-*.png"))))


if __name__ == "__main__":
    sys.exit(main())
