"""The watch session: the one owner of what happens in a watching day (see ``session.py``)."""
