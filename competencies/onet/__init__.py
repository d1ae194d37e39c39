"""The O*NET skills library and occupations import (services), and HR's import pages (views, urls)."""
