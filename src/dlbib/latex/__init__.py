"""latex"""
