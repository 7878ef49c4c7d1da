"""pdfs"""
