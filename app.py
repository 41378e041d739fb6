"""Entry point: build the Gradio app on the configured settings and launch it."""

if __name__ == "__main__":
    # imported here, not at the top: the critic's worker processes import this file too (as the parent's main
    # module) and need none of the web app
    from bot.web.app import launch

    launch()
