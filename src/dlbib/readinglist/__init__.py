"""readinglist"""
