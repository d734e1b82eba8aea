int ambient_torch_placeholder(void);
