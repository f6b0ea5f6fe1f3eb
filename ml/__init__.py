"""radiohost machine learning: pure numpy/torch, never imports Django.

Lou, Lake & Tsai 2023, RAA 23(7), "Identifying Host Galaxies of Extragalactic
Radio Emission Structures using Machine Learning" is cited as "seed §N".
"""
