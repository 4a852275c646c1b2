"""The pure core: metrics, baseline values, judgement, settling, sitting time and reminder
rules. It takes time and settings from its caller and never touches a camera, a file, a
clock or the screen; it imports nothing from capture, storage, app or cli (a test checks).
"""
