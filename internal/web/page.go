package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/logbookhq/logbook/internal/job"
	"github.com/logbookhq/logbook/internal/query"
	"github.com/logbookhq/logbook/internal/store"
)

// handlerFunc is a page handler. It returns what to answer with, or an
// error that serve shows as Logbook's error page with the status the
// error maps to, so that every failure of every page looks the same and
// no handler writes its own.
type handlerFunc func(w http.ResponseWriter, r *http.Request) (answer, error)

// answer is what a page handler answers with; serve writes it.
type answer interface {
	write(h *Handler, w http.ResponseWriter, r *http.Request)
}

// page is a template rendered with data: the whole page in the layout,
// or only block (the body of the grid's detail dialog).
type page struct {
	name, block string
	status      int // 0 is 200 OK
	data        any
}

// show answers with the page name showing data.
func show(name string, data any) page { return page{name: name, data: data} }

// withStatus answers the page with status: a form shown again with what
// was wrong with it, a refused action on the page it was asked from.
func (p page) withStatus(status int) page {
	p.status = status
	return p
}

func (p page) write(h *Handler, w http.ResponseWriter, r *http.Request) {
	status := p.status
	if status == 0 {
		status = http.StatusOK
	}
	h.render(w, r, status, p.name, p.block, p.data)
}

// redirect sends the browser on to url.
type redirect struct {
	url    string
	status int
}

// seeOther is the redirect after a form: the next page is a GET.
func seeOther(url string) redirect { return redirect{url: url, status: http.StatusSeeOther} }

func (d redirect) write(_ *Handler, w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, d.url, d.status)
}

// attachment is a text file to download.
type attachment struct {
	name, body string
}

func (a attachment) write(_ *Handler, w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+a.name+`"`)
	w.Write([]byte(a.body))
}

// serve wraps a page handler: it writes the handler's answer, or the
// error page for its error.
func (h *Handler) serve(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := fn(w, r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		a.write(h, w, r)
	}
}

// pageError is an error a viewer may read: the status of the error page,
// its heading and its message.
type pageError struct {
	status           int
	heading, message string
}

func (e *pageError) Error() string { return e.message }

// badRequest refuses what the viewer sent, saying why.
func badRequest(message string) error {
	return &pageError{status: http.StatusBadRequest, heading: "Bad request", message: message}
}

// forbidden refuses a page or an action the viewer may not use.
func forbidden(message string) error {
	return &pageError{status: http.StatusForbidden, heading: "Not allowed", message: message}
}

var (
	notFound = &pageError{status: http.StatusNotFound, heading: "Not found",
		message: "There is no such page or audit log entry, or it is not visible to you."}
	serverError = &pageError{status: http.StatusInternalServerError, heading: "Something went wrong",
		message: "The server could not answer. Try again; if it keeps failing, the server log has the details."}
	// errFormUnreadable is a form post that could not be read.
	errFormUnreadable = badRequest("The form could not be read.")
)

// explain maps err to what the viewer sees: a missing (or invisible)
// object is not found, a parameter the query parser refused is a bad
// request naming it, a job the viewer may not change is forbidden, and
// anything else an internal error whose detail only the log holds.
func explain(err error) *pageError {
	var pe *pageError
	var fe *query.FieldError
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, store.ErrNotFound):
		return notFound
	case errors.As(err, &fe):
		return &pageError{status: http.StatusBadRequest, heading: "Bad request", message: fe.Error()}
	case errors.Is(err, job.ErrForbidden):
		return forbidden("Only the job's owner or a Job Administrator may change it.").(*pageError)
	}
	return serverError
}

type errorView struct {
	base
	Heading, Message string
}

// fail shows the error page for err; internal details go to the log only.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := explain(err)
	title := "Error"
	switch e.status {
	case http.StatusInternalServerError:
		h.log.Error("page failed", "path", r.URL.Path, "error", err)
	case http.StatusForbidden:
		title = e.heading
	}
	v := errorView{base: base{Title: title}, Heading: e.heading, Message: e.message}
	h.render(w, r, e.status, "error", "", &v)
}

// pathID reads the positive id in the path value name; anything else
// names no page.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// parseForm reads a posted form of at most 64 KiB.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	return r.ParseForm() == nil
}
