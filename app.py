"""Entry point: build the Gradio app on the configured settings and launch it."""

from bot.web.app import launch

if __name__ == "__main__":
    launch()
