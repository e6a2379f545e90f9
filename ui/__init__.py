"""Streamlit glue for Learning-Rate Explorer: settings, widgets, cached
computations and charts. No maths here: that lives in lrcore."""
