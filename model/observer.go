package model

// observer receives intermediate activations as the forward pass makes them, under the names of the
// golden files' keys (text_hidden, vision_hidden, mit_last_hidden, prompts_generator_out, ...). Only
// tests set one (export_test.go), to compare every intermediate with the peer's; production leaves
// it nil. m is only valid during the call: an observer downloads what it keeps.
type observer interface {
	observe(name string, m Mat)
}

// observe reports m to o when there is one.
func observe(o observer, name string, m Mat) {
	if o != nil {
		o.observe(name, m)
	}
}
