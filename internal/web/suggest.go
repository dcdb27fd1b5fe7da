package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/logbookhq/logbook/internal/search"
	"github.com/logbookhq/logbook/internal/store"
)

// fieldPrompts are the search fields as the box suggests them ("user:").
func fieldPrompts() []string {
	var out []string
	for _, f := range search.Fields() {
		out = append(out, f+":")
	}
	return out
}

// suggestionTTL is how long the search box's value suggestions are kept
// per scope: reading them costs a few milliseconds, too much for every
// page of the grid.
const suggestionTTL = time.Minute

type suggestionSet struct {
	values []string
	until  time.Time
}

// suggestions are the values the search box offers for users, tasks,
// applications and domains the viewer may see.
func (h *Handler) suggestions(ctx context.Context, scope store.Scope) []string {
	key := fmt.Sprint(scope)
	now := h.now()
	h.suggestMu.Lock()
	if s, ok := h.suggest[key]; ok && now.Before(s.until) {
		h.suggestMu.Unlock()
		return s.values
	}
	h.suggestMu.Unlock()
	var out []string
	for _, s := range []struct {
		field store.SortField
		name  string
	}{{store.SortUserName, "user"}, {store.SortTask, "task"}, {store.SortApplication, "application"}, {store.SortDomain, "domain"}} {
		vals, err := h.logs.Values(ctx, scope, s.field, 50)
		if err != nil {
			continue
		}
		for _, v := range vals {
			if strings.ContainsAny(v, " \t\"") {
				v = strconv.Quote(v)
			}
			out = append(out, s.name+":"+v)
		}
	}
	h.suggestMu.Lock()
	if len(h.suggest) > 1000 {
		clear(h.suggest)
	}
	h.suggest[key] = suggestionSet{values: out, until: now.Add(suggestionTTL)}
	h.suggestMu.Unlock()
	return out
}
