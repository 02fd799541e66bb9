"""holoclip_export: turn open_clip, Hugging Face and timm checkpoints into holoclip model folders."""
