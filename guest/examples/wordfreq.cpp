// wordfreq.cpp: a glint function in C++: counts the words of the input, most frequent first.
//
// Freestanding C++: built with -fno-exceptions -fno-rtti and no libstdc++
// (no <vector>, <string>, <iostream>); classes, templates, lambdas, new and
// delete, virtual functions and static constructors all work. The SDK's C
// headers are the library.
#include <ctype.h>
#include <glint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace {

// A growable array over malloc; new/delete come from the SDK.
template <typename T> class Array {
public:
	~Array() { delete[] items_; }
	void push(const T &v)
	{
		if (len_ == cap_) {
			size_t cap = cap_ ? cap_ * 2 : 16;
			T *items = new T[cap];
			for (size_t i = 0; i < len_; i++)
				items[i] = items_[i];
			delete[] items_;
			items_ = items;
			cap_ = cap;
		}
		items_[len_++] = v;
	}
	T &operator[](size_t i) { return items_[i]; }
	size_t size() const { return len_; }
	T *data() { return items_; }

private:
	T *items_ = nullptr;
	size_t len_ = 0, cap_ = 0;
};

struct Word {
	const char *text;
	size_t len;
	unsigned count;
};

class Counter {
public:
	virtual ~Counter() = default;
	virtual bool same(const Word &w, const char *s, size_t n) const
	{
		return w.len == n && memcmp(w.text, s, n) == 0;
	}
	void add(const char *s, size_t n)
	{
		for (size_t i = 0; i < words_.size(); i++)
			if (same(words_[i], s, n)) {
				words_[i].count++;
				return;
			}
		words_.push(Word{s, n, 1});
	}
	Array<Word> &words() { return words_; }

private:
	Array<Word> words_;
};

// Case-insensitive counting, through a virtual function.
class FoldingCounter : public Counter {
public:
	bool same(const Word &w, const char *s, size_t n) const override
	{
		return w.len == n && strncasecmp(w.text, s, n) == 0;
	}
};

// A global with a constructor: it runs once, before glint_init, and the
// snapshot keeps its result.
struct Banner {
	char text[32];
	Banner() { snprintf(text, sizeof(text), "wordfreq %d", 1); }
} banner;

} // namespace

void glint_handle(const char *input, size_t input_len)
{
	FoldingCounter counter;
	size_t i = 0, total = 0;

	glint_set_content_type("text/plain");
	while (i < input_len) {
		while (i < input_len && !isalnum((unsigned char)input[i]))
			i++;
		size_t start = i;
		while (i < input_len && isalnum((unsigned char)input[i]))
			i++;
		if (i > start) {
			counter.add(input + start, i - start);
			total++;
		}
	}
	Array<Word> &w = counter.words();
	qsort(w.data(), w.size(), sizeof(Word), [](const void *a, const void *b) {
		const Word *x = static_cast<const Word *>(a);
		const Word *y = static_cast<const Word *>(b);
		return x->count != y->count ? (x->count < y->count ? 1 : -1)
					    : (x->text < y->text ? -1 : 1);
	});
	printf("%s: %zu words, %zu distinct\n", banner.text, total, w.size());
	// Self-information of each word: -log2 of its frequency.
	for (size_t k = 0; k < w.size(); k++)
		printf("%.*s %u %.3f bits\n", (int)w[k].len, w[k].text,
		       w[k].count, -log2((double)w[k].count / (double)total));
}
