"""The look every page we write shares (the report, the guidance pages): one inline
style sheet, no fonts or files fetched. Its own module, so a guidance page needs neither
the report nor matplotlib."""

CSS = """
body { margin: 0; background: #ffffff; color: #222; font: 15px/1.4 sans-serif; }
main { width: 960px; margin: 0 auto; padding: 16px 0 32px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 20px 0 6px; }
p.note { color: #666; margin: 0 0 8px; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { padding: 2px 14px 2px 0; text-align: left; }
td.value { font-weight: bold; }
td.change { color: #666; }
figure { margin: 0; width: 960px; }
figure svg { display: block; width: 960px; height: auto; }
figure svg image { image-rendering: pixelated; }
"""
