module github.com/xclipfilter/xclipfilter

go 1.26.0

require (
	github.com/nlpodyssey/safetensors v0.0.0-20250209183917-bfb01cc25f7c
	golang.org/x/sys v0.50.0
	golang.org/x/text v0.44.0
)
