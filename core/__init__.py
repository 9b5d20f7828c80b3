"""Rules engine for 绍市人社发〔2018〕160号 (East–West poverty-alleviation labour cooperation).

Nothing in this package imports Streamlit: the pages in ``pages/`` are a thin layer over it.
"""
