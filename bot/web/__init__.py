"""The Gradio app: one module per tab, handlers as named methods, all HTML rendering in `render`."""
